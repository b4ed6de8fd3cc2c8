#include "kvscore/auth/imds_credential_provider.h"

#include <glib.h>

#include <utility>

#include "kvscore/auth/credentials_json.h"
#include "kvscore/base/log.h"

namespace kvs {
namespace {

constexpr char kPrefix[] = "instance-metadata: ";
constexpr char kCredentialsPath[] =
    "/latest/meta-data/iam/security-credentials/";

// One fetch's progress; shared by the step callbacks, so the provider itself
// may go away meanwhile.
struct ImdsFetch {
  std::shared_ptr<HttpFetcher> fetcher;
  const Clock* clock;
  std::string endpoint;
  ImdsOptions options;
  std::string token;  // Secret-like: never logged.
  CredentialsCallback done;
};

HttpFetchRequest MakeRequest(const ImdsFetch& fetch, const char* method,
                             const std::string& path) {
  HttpFetchRequest request;
  request.method = method;
  request.url = fetch.endpoint + path;
  request.timeout_ms = fetch.options.timeout_ms;
  request.bypass_proxy = true;
  if (!fetch.token.empty()) {
    request.headers = {{"X-aws-ec2-metadata-token", fetch.token}};
  }
  return request;
}

// The first line of `body`, without surrounding whitespace.
std::string FirstLine(const std::string& body) {
  std::string line = body.substr(0, body.find('\n'));
  const size_t start = line.find_first_not_of(" \t\r");
  if (start == std::string::npos) return "";
  return line.substr(start, line.find_last_not_of(" \t\r") - start + 1);
}

std::string What(const HttpFetchRequest& request) {
  return kPrefix + request.method + " " + request.url;
}

void FetchCredentials(std::shared_ptr<ImdsFetch> fetch,
                      const std::string& role) {
  HttpFetchRequest request =
      MakeRequest(*fetch, "GET", kCredentialsPath + role);
  const std::string what = What(request);
  fetch->fetcher->Fetch(
      std::move(request), [fetch, what](Result<HttpFetchResponse> r) {
        fetch->done(CredentialsFromResponse(what, r, kContainerCredentialsJson,
                                            fetch->clock->RealtimeNs()));
      });
}

void FetchRole(std::shared_ptr<ImdsFetch> fetch) {
  HttpFetchRequest request = MakeRequest(*fetch, "GET", kCredentialsPath);
  const std::string what = What(request);
  fetch->fetcher->Fetch(
      std::move(request), [fetch, what](Result<HttpFetchResponse> r) {
        if (r.ok() && r->status == 404) {
          fetch->done(Status(StatusCode::kCredentialsUnavailable,
                             kPrefix + std::string("no IAM role is attached to "
                                                   "this instance")));
          return;
        }
        if (!IsHttpSuccess(r)) {
          fetch->done(FetchFailure(what, r));
          return;
        }
        const std::string role = FirstLine(r->body);
        if (role.empty() || role.find('/') != std::string::npos) {
          fetch->done(Status(StatusCode::kCredentialsUnavailable,
                             what + ": no role name in the answer"));
          return;
        }
        FetchCredentials(fetch, role);
      });
}

}  // namespace

ImdsCredentialProvider::ImdsCredentialProvider(
    EnvironmentFn env, std::shared_ptr<HttpFetcher> fetcher, const Clock& clock,
    ImdsOptions options)
    : env_(std::move(env)),
      fetcher_(std::move(fetcher)),
      clock_(clock),
      options_(options) {}

std::string ImdsCredentialProvider::Endpoint(const EnvironmentFn& env) {
  std::string endpoint;
  if (std::optional<std::string> configured =
          GetEnv(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    endpoint = *configured;
  } else {
    std::optional<std::string> mode =
        GetEnv(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    endpoint = mode && g_ascii_strcasecmp(mode->c_str(), "IPv6") == 0
                   ? "http://[fd00:ec2::254]"
                   : "http://169.254.169.254";
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

void ImdsCredentialProvider::Fetch(CredentialsCallback done) {
  if (GetEnvBool(env_, "AWS_EC2_METADATA_DISABLED")) {
    done(
        Status(StatusCode::kCredentialsUnavailable,
               kPrefix + std::string("disabled by AWS_EC2_METADATA_DISABLED")));
    return;
  }
  auto fetch = std::make_shared<ImdsFetch>();
  fetch->fetcher = fetcher_;
  fetch->clock = &clock_;
  fetch->endpoint = Endpoint(env_);
  fetch->options = options_;
  fetch->done = std::move(done);
  HttpFetchRequest request = MakeRequest(*fetch, "PUT", "/latest/api/token");
  request.headers = {{"X-aws-ec2-metadata-token-ttl-seconds",
                      std::to_string(options_.token_ttl_seconds)}};
  const std::string what = What(request);
  KVS_LOG_DEBUG("%s", what.c_str());
  fetcher_->Fetch(std::move(request), [fetch,
                                       what](Result<HttpFetchResponse> r) {
    if (!IsHttpSuccess(r) || r->body.empty()) {
      fetch->done(IsHttpSuccess(r) ? Status(StatusCode::kCredentialsUnavailable,
                                            what + ": empty token")
                                   : FetchFailure(what, r));
      return;
    }
    fetch->token = r->body;
    FetchRole(fetch);
  });
}

}  // namespace kvs
