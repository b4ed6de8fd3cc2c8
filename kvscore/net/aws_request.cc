#include "kvscore/net/aws_request.h"

#include <glib.h>
#include <json-glib/json-glib.h>

#include <memory>
#include <string>

#include "kvscore/auth/clock_skew.h"
#include "kvscore/auth/sigv4.h"
#include "kvscore/base/log.h"

namespace kvs {
namespace {

struct UriDeleter {
  void operator()(GUri* uri) const { g_uri_unref(uri); }
};

std::string BodyField(const std::string& body, const char* const* names) {
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, body.data(),
                                  static_cast<gssize>(body.size()), nullptr)) {
    return "";
  }
  JsonNode* root = json_parser_get_root(parser);
  if (root == nullptr || !JSON_NODE_HOLDS_OBJECT(root)) return "";
  JsonObject* object = json_node_get_object(root);
  for (; *names != nullptr; ++names) {
    JsonNode* node = json_object_get_member(object, *names);
    if (node != nullptr && JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_STRING) {
      return json_node_get_string(node);
    }
  }
  return "";
}

bool IsAuthError(const std::string& type) {
  static const char* const kTypes[] = {"NotAuthorizedException",
                                       "AccessDeniedException",
                                       "UnrecognizedClientException",
                                       "InvalidSignatureException",
                                       "IncompleteSignature",
                                       "IncompleteSignatureException",
                                       "MissingAuthenticationToken",
                                       "MissingAuthenticationTokenException",
                                       "RequestExpired",
                                       "ExpiredTokenException",
                                       "InvalidClientTokenId",
                                       "SignatureDoesNotMatch"};
  for (const char* t : kTypes) {
    if (type == t) return true;
  }
  return false;
}

StatusCode CodeFor(long status, const std::string& type) {
  if (type == "ResourceNotFoundException") return StatusCode::kResourceNotFound;
  if (IsAuthError(type)) return StatusCode::kNotAuthorized;
  if (type == "ClientLimitExceededException" || type == "ThrottlingException" ||
      type == "Throttling" || status == 429) {
    return StatusCode::kThrottled;
  }
  if (type == "InvalidEndpointException") return StatusCode::kInvalidEndpoint;
  if (status == 404) return StatusCode::kResourceNotFound;
  if (status == 401 || status == 403) return StatusCode::kNotAuthorized;
  if (status >= 500) return StatusCode::kServiceUnavailable;
  return StatusCode::kServiceError;
}

}  // namespace

std::string JoinUrl(std::string_view base, std::string_view path) {
  std::string url(base);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + std::string(path);
}

Result<std::string> HostHeaderForUrl(std::string_view url) {
  std::string text(url);
  std::unique_ptr<GUri, UriDeleter> uri(
      g_uri_parse(text.c_str(), G_URI_FLAGS_NONE, nullptr));
  const char* scheme = uri ? g_uri_get_scheme(uri.get()) : nullptr;
  const char* host = uri ? g_uri_get_host(uri.get()) : nullptr;
  if (scheme == nullptr || host == nullptr || *host == '\0' ||
      (g_ascii_strcasecmp(scheme, "http") != 0 &&
       g_ascii_strcasecmp(scheme, "https") != 0)) {
    return Status(StatusCode::kInvalidArgument,
                  "not an absolute http(s) URL: " + text);
  }
  std::string value = host;
  if (value.find(':') != std::string::npos) value = "[" + value + "]";  // v6
  int port = g_uri_get_port(uri.get());
  int default_port = g_ascii_strcasecmp(scheme, "https") == 0 ? 443 : 80;
  if (port > 0 && port != default_port) value += ":" + std::to_string(port);
  return value;
}

Status SignHttpRequest(HttpRequest* request, const Credentials& credentials,
                       std::string_view region, int64_t signing_time_ns,
                       std::optional<std::string> payload_hash) {
  Result<std::string> host = HostHeaderForUrl(request->url);
  if (!host.ok()) return host.status();
  std::string url = request->url;
  size_t path_start = url.find('/', url.find("://") + 3);
  std::string path =
      path_start == std::string::npos ? "/" : url.substr(path_start);
  SigV4Request signable;
  signable.method = request->method;
  size_t query = path.find('?');
  signable.path = path.substr(0, query);
  if (query != std::string::npos) signable.query = path.substr(query + 1);
  signable.headers.emplace_back("Host", *host);
  for (const auto& header : request->headers)
    signable.headers.push_back(header);
  SigningParams params;
  params.region = std::string(region);
  params.signing_time_ns = signing_time_ns;
  params.payload_hash = std::move(payload_hash);
  params.unsigned_headers = {"content-type", "transfer-encoding", "expect",
                             "connection"};
  const std::string& body = request->body;
  Result<SigningResult> signed_request =
      Sign(&signable,
           ByteSpan(reinterpret_cast<const uint8_t*>(body.data()), body.size()),
           credentials, params);
  if (!signed_request.ok()) return signed_request.status();
  // Host stays libcurl's to send (it derives the same value from the URL).
  request->headers.clear();
  for (auto& header : signable.headers) {
    if (g_ascii_strcasecmp(header.first.c_str(), "host") != 0) {
      request->headers.push_back(std::move(header));
    }
  }
  return Status::Ok();
}

Status ServiceError(const HttpResponse& response, std::string_view operation) {
  static const char* const kTypeFields[] = {"__type", "code", "Code", nullptr};
  static const char* const kMessageFields[] = {"message", "Message", nullptr};
  std::string type = response.Header("x-amzn-ErrorType");
  if (type.empty()) type = BodyField(response.body, kTypeFields);
  size_t colon = type.find(':');
  if (colon != std::string::npos) type.resize(colon);
  size_t hash = type.rfind('#');  // "aws.protocol#ErrorName" forms.
  if (hash != std::string::npos) type = type.substr(hash + 1);
  std::string message = BodyField(response.body, kMessageFields);
  std::string text = std::string(operation) + " failed";
  if (!message.empty()) text += ": " + message;
  Status status(CodeFor(response.status, type), text);
  status.set_http_status(static_cast<int>(response.status));
  status.set_aws_error_type(type);
  return status;
}

}  // namespace kvs

namespace kvs {

bool CorrectClockFromReply(SkewCorrectedClock* skew,
                           const HttpResponse& response,
                           int64_t signing_time_ns) {
  if (skew == nullptr) return false;
  std::optional<ServerTime> server = ServerTimeFromReply(
      static_cast<int>(response.status), response.headers, response.body);
  if (!server.has_value()) return false;
  bool corrected = skew->CorrectTo(*server);
  return corrected || skew->IsSkewed(server->epoch_ns, signing_time_ns);
}

}  // namespace kvs
