#include "kvscore/auth/credentials_json.h"

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "kvscore/auth/aws_time.h"

namespace kvs {
namespace {

Status Malformed(const std::string& reason) {
  return Status(StatusCode::kMalformedResponse, reason);
}

// The string member `name` of `object`, or nullptr when absent or not a
// string.
const char* StringMember(JsonObject* object, const char* name) {
  JsonNode* node = json_object_get_member(object, name);
  if (node == nullptr || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_STRING) {
    return nullptr;
  }
  return json_node_get_string(node);
}

// Parses `body` as a JSON object; nullptr when it is not one.
JsonObject* ParseObject(JsonParser* parser, std::string_view body) {
  if (!json_parser_load_from_data(parser, body.data(),
                                  static_cast<gssize>(body.size()), nullptr)) {
    return nullptr;
  }
  JsonNode* root = json_parser_get_root(parser);
  return root != nullptr && JSON_NODE_HOLDS_OBJECT(root)
             ? json_node_get_object(root)
             : nullptr;
}

}  // namespace

Result<Credentials> ParseCredentialsJson(std::string_view body,
                                         const CredentialsJsonFields& fields) {
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject* object = ParseObject(parser, body);
  if (object == nullptr) return Malformed("credentials are not a JSON object");
  if (const char* code = StringMember(object, "Code");
      code != nullptr && std::string_view(code) != "Success") {
    return Malformed(std::string("credentials Code is ") + code);
  }
  if (fields.object != nullptr) {
    JsonNode* inner = json_object_get_member(object, fields.object);
    if (inner == nullptr || !JSON_NODE_HOLDS_OBJECT(inner)) {
      return Malformed(std::string("no \"") + fields.object + "\" object");
    }
    object = json_node_get_object(inner);
  }
  Credentials credentials;
  const char* id = StringMember(object, fields.access_key_id);
  const char* secret = StringMember(object, fields.secret_access_key);
  if (id == nullptr || *id == '\0') {
    return Malformed(std::string("no ") + fields.access_key_id);
  }
  if (secret == nullptr || *secret == '\0') {
    return Malformed(std::string("no ") + fields.secret_access_key);
  }
  credentials.access_key_id = id;
  credentials.secret_access_key = secret;
  if (const char* token = StringMember(object, fields.session_token)) {
    credentials.session_token = token;
  }
  if (const char* expiry = StringMember(object, fields.expiration)) {
    Result<int64_t> parsed = ParseIso8601(expiry);
    if (!parsed.ok()) {
      return Malformed(std::string(fields.expiration) + ": " +
                       parsed.status().message());
    }
    credentials.expiration_ns = *parsed;
  }
  return credentials;
}

std::string ErrorBodyMessage(std::string_view body) {
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject* object = ParseObject(parser, body);
  if (object == nullptr) return "";
  for (const char* name : {"message", "Message", "code", "Code"}) {
    if (const char* text = StringMember(object, name)) {
      std::string message(text);
      if (message.size() > 200) message.resize(200);
      return message;
    }
  }
  return "";
}

Status FetchFailure(const std::string& what,
                    const Result<HttpFetchResponse>& result) {
  if (!result.ok()) {
    return Status(StatusCode::kCredentialsUnavailable,
                  what + ": " + result.status().ToString());
  }
  std::string message = what + ": HTTP " + std::to_string(result->status);
  const std::string detail = ErrorBodyMessage(result->body);
  if (!detail.empty()) message += " \"" + detail + "\"";
  Status status(StatusCode::kCredentialsUnavailable, message);
  status.set_http_status(result->status);
  return status;
}

Status CheckNotExpired(const std::string& what, const Credentials& credentials,
                       int64_t now_ns) {
  if (!credentials.ExpiresWithin(now_ns, 0)) return Status::Ok();
  return Status(StatusCode::kCredentialsExpired,
                what + ": credentials expired at " +
                    FormatIso8601(*credentials.expiration_ns));
}

Result<Credentials> CredentialsFromResponse(
    const std::string& what, const Result<HttpFetchResponse>& response,
    const CredentialsJsonFields& fields, int64_t now_ns) {
  if (!IsHttpSuccess(response)) return FetchFailure(what, response);
  Result<Credentials> credentials =
      ParseCredentialsJson(response->body, fields);
  if (!credentials.ok()) {
    return Status(StatusCode::kCredentialsUnavailable,
                  what + ": " + credentials.status().message());
  }
  KVS_RETURN_IF_ERROR(CheckNotExpired(what, *credentials, now_ns));
  return credentials;
}

}  // namespace kvs
