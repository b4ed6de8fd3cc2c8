#include "kvscore/auth/container_credential_provider.h"

#include <glib.h>

#include <utility>

#include "kvscore/auth/credentials_json.h"
#include "kvscore/auth/local_file.h"
#include "kvscore/base/log.h"

namespace kvs {
namespace {

constexpr char kPrefix[] = "container: ";

Status Unavailable(const std::string& message) {
  return Status(StatusCode::kCredentialsUnavailable, kPrefix + message);
}

bool IsAllowedHttpHost(const std::string& host) {
  if (host == "localhost" || host == "::1" ||
      host == kEcsContainerCredentialsHost || host == "169.254.170.23" ||
      g_ascii_strcasecmp(host.c_str(), "fd00:ec2::23") == 0) {
    return true;
  }
  // 127.0.0.0/8, written as a dotted quad.
  unsigned a, b, c, d;
  char extra;
  return std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) ==
             4 &&
         a == 127 && b < 256 && c < 256 && d < 256;
}

// The Authorization token, "" when none is configured.
Result<std::string> ReadToken(const EnvironmentFn& env) {
  std::string token;
  if (std::optional<std::string> path =
          GetEnv(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    Result<std::string> contents = ReadLocalFile(*path, 16 * 1024);
    if (!contents.ok()) {
      return Unavailable("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " +
                         contents.status().message());
    }
    token = std::move(*contents);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
      token.pop_back();
    }
  } else {
    token = GetEnv(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN").value_or("");
  }
  if (token.find_first_of("\r\n") != std::string::npos) {
    return Unavailable("the authorization token contains a line break");
  }
  return token;
}

// The credentials URL from the environment.
Result<std::string> CredentialsUrl(const EnvironmentFn& env) {
  if (std::optional<std::string> relative =
          GetEnv(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    std::string path = *relative;
    if (path[0] != '/') path = "/" + path;
    return std::string("http://") + kEcsContainerCredentialsHost + path;
  }
  if (std::optional<std::string> full =
          GetEnv(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    std::string why;
    if (!ContainerCredentialProvider::IsAllowedFullUri(*full, &why)) {
      return Unavailable("AWS_CONTAINER_CREDENTIALS_FULL_URI " + why);
    }
    return *full;
  }
  return Unavailable(
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
      "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set");
}

}  // namespace

ContainerCredentialProvider::ContainerCredentialProvider(
    EnvironmentFn env, std::shared_ptr<HttpFetcher> fetcher, const Clock& clock,
    int64_t timeout_ms)
    : env_(std::move(env)),
      fetcher_(std::move(fetcher)),
      clock_(clock),
      timeout_ms_(timeout_ms) {}

bool ContainerCredentialProvider::IsAllowedFullUri(const std::string& url,
                                                   std::string* why) {
  GUri* uri = g_uri_parse(url.c_str(), G_URI_FLAGS_NONE, nullptr);
  if (uri == nullptr) {
    *why = "is not a URL";
    return false;
  }
  const std::string scheme = g_uri_get_scheme(uri);
  const char* host_c = g_uri_get_host(uri);
  const std::string host = host_c != nullptr ? host_c : "";
  g_uri_unref(uri);
  if (scheme == "https" && !host.empty()) return true;
  if (scheme == "http" && IsAllowedHttpHost(host)) return true;
  *why =
      scheme == "http"
          ? "host " + host + " is not loopback or a container metadata address"
          : "must be an http or https URL";
  return false;
}

void ContainerCredentialProvider::Fetch(CredentialsCallback done) {
  Result<std::string> url = CredentialsUrl(env_);
  if (!url.ok()) {
    done(url.status());
    return;
  }
  Result<std::string> token = ReadToken(env_);
  if (!token.ok()) {
    done(token.status());
    return;
  }
  HttpFetchRequest request;
  request.method = "GET";
  request.url = *url;
  if (!token->empty()) request.headers = {{"Authorization", *token}};
  request.headers.emplace_back("Accept", "application/json");
  request.timeout_ms = timeout_ms_;
  request.bypass_proxy = true;
  const std::string what = std::string(kPrefix) + "GET " + *url;
  KVS_LOG_DEBUG("%s", what.c_str());
  fetcher_->Fetch(
      std::move(request), [what, clock = &clock_, done = std::move(done)](
                              Result<HttpFetchResponse> response) {
        done(CredentialsFromResponse(what, response, kContainerCredentialsJson,
                                     clock->RealtimeNs()));
      });
}

}  // namespace kvs
