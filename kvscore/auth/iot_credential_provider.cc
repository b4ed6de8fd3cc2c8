#include "kvscore/auth/iot_credential_provider.h"

#include <utility>

#include "kvscore/auth/credentials_json.h"
#include "kvscore/auth/sigv4.h"
#include "kvscore/base/log.h"

namespace kvs {
namespace {

constexpr char kName[] = "iot-certificate";

// The setting that is missing, or "".
std::string MissingSetting(const IotCredentialConfig& c) {
  if (c.endpoint.empty()) return "endpoint";
  if (c.role_alias.empty()) return "role-aliases";
  if (c.thing_name.empty()) return "iot-thing-name";
  if (c.cert_path.empty()) return "cert-path";
  if (c.key_path.empty()) return "key-path";
  return "";
}

// Adds what to check to the usual IoT refusals.
Status WithHint(Status status, const IotCredentialConfig& config) {
  std::string hint;
  if (status.http_status() == 403) {
    hint = "; check that iot-thing-name \"" + config.thing_name +
           "\" is the thing the certificate is attached to and that its "
           "policy allows iot:AssumeRoleWithCertificate on role alias \"" +
           config.role_alias + "\"";
  } else if (status.http_status() == 404) {
    hint = "; check role-aliases \"" + config.role_alias + "\"";
  } else if (status.message().find("tls-failed") != std::string::npos) {
    hint = "; check cert-path, key-path and ca-path";
  }
  if (hint.empty()) return status;
  Status out(status.code(), status.message() + hint);
  out.set_http_status(status.http_status());
  return out;
}

}  // namespace

IotCredentialProvider::IotCredentialProvider(
    IotCredentialConfig config, std::shared_ptr<HttpFetcher> fetcher,
    const Clock& clock)
    : config_(std::move(config)), fetcher_(std::move(fetcher)), clock_(clock) {}

std::string IotCredentialProvider::CredentialsUrl(
    const IotCredentialConfig& config) {
  std::string base = config.endpoint;
  if (base.find("://") == std::string::npos) base = "https://" + base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/role-aliases/" + UriEncode(config.role_alias, false) +
         "/credentials";
}

void IotCredentialProvider::Fetch(CredentialsCallback done) {
  if (std::string missing = MissingSetting(config_); !missing.empty()) {
    done(Status(StatusCode::kCredentialsUnavailable,
                std::string(kName) + ": " + missing + " is not set"));
    return;
  }
  HttpFetchRequest request;
  request.method = "GET";
  request.url = CredentialsUrl(config_);
  request.headers = {{"x-amzn-iot-thingname", config_.thing_name}};
  request.timeout_ms = config_.timeout_ms;
  request.connect_timeout_ms = config_.connect_timeout_ms;
  request.client_cert_path = config_.cert_path;
  request.client_key_path = config_.key_path;
  request.ca_path = config_.ca_path;
  const std::string what = std::string(kName) + ": GET " + request.url;
  KVS_LOG_DEBUG("%s (thing %s)", what.c_str(), config_.thing_name.c_str());
  fetcher_->Fetch(std::move(request), [what, config = config_, clock = &clock_,
                                       done = std::move(done)](
                                          Result<HttpFetchResponse> response) {
    Result<Credentials> credentials = CredentialsFromResponse(
        what, response, kIotCredentialsJson, clock->RealtimeNs());
    if (!credentials.ok()) {
      done(WithHint(credentials.status(), config));
      return;
    }
    done(std::move(credentials));
  });
}

}  // namespace kvs
