// kvscore/auth/iot_credential_provider.h: temporary credentials from the AWS
// IoT credentials provider, authenticated by the device's X.509 certificate
// (kvs-spec.md section 5 and A.3; upstream-kvssink.md A.4 step 1; the KVS
// developer guide's "Controlling access using AWS IoT").
//
// Request: GET https://<endpoint>/role-aliases/<role-alias>/credentials with
// header "x-amzn-iot-thingname: <thing-name>", over mutual TLS with the
// device certificate and private key, the server verified against `ca_path`.
// Answer: {"credentials": {"accessKeyId", "secretAccessKey", "sessionToken",
// "expiration"}}, expiry typically one hour (the role alias's
// --credential-duration-seconds).
//
// Unlike upstream, the request does not block: it goes through the injected
// HttpFetcher, and `done` runs on the network thread.
#ifndef KVSCORE_AUTH_IOT_CREDENTIAL_PROVIDER_H_
#define KVSCORE_AUTH_IOT_CREDENTIAL_PROVIDER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "kvscore/auth/credential_provider.h"
#include "kvscore/auth/http_fetcher.h"
#include "kvscore/base/clock.h"

namespace kvs {

// The fields of upstream's `iot-certificate` structure property
// ("iot-certificate,endpoint=...,cert-path=...,key-path=...,ca-path=...,
// role-aliases=...,iot-thing-name=..."); the element parses the structure.
struct IotCredentialConfig {
  // Host of the account's credentials endpoint (`aws iot describe-endpoint
  // --endpoint-type iot:CredentialProvider`), e.g.
  // "c1a2b3.credentials.iot.us-west-2.amazonaws.com", optionally with
  // ":port"; a full "https://host[:port]" base URL is also accepted.
  std::string endpoint;
  std::string role_alias;  // `role-aliases`.
  // `iot-thing-name`; the element defaults it to the stream name, since the
  // usual IAM policy allows the stream named ${credentials-iot:ThingName}.
  std::string thing_name;
  std::string cert_path;       // PEM device certificate.
  std::string key_path;        // PEM private key (secret).
  std::string ca_path;         // PEM CA bundle or directory; "" = system store.
  int64_t timeout_ms = 10000;  // Whole request, in ms.
  // Connection establishment (TCP + TLS handshake), in ms; 0 = `timeout_ms`
  // (upstream's `connection-timeout`, HttpFetchRequest::connect_timeout_ms).
  int64_t connect_timeout_ms = 0;
};

class IotCredentialProvider final : public CredentialProvider {
 public:
  // `fetcher` must be non-null. `clock` (wall time) checks the expiry; it
  // must outlive the provider and its pending fetches.
  IotCredentialProvider(IotCredentialConfig config,
                        std::shared_ptr<HttpFetcher> fetcher,
                        const Clock& clock);

  // Errors, all starting "iot-certificate: ": kCredentialsUnavailable for a
  // missing setting (at once), a transport failure (its cause kept, e.g.
  // "tls-failed: ..."), an HTTP error (status and the service's message,
  // e.g. 403 "Invalid thing name passed", with a hint) or a malformed
  // answer; kCredentialsExpired for credentials already expired.
  void Fetch(CredentialsCallback done) override;
  std::string name() const override { return "iot-certificate"; }

  // The request URL for `config`: "https://<endpoint>/role-aliases/<alias
  // percent-encoded>/credentials".
  static std::string CredentialsUrl(const IotCredentialConfig& config);

 private:
  const IotCredentialConfig config_;
  const std::shared_ptr<HttpFetcher> fetcher_;
  const Clock& clock_;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_IOT_CREDENTIAL_PROVIDER_H_
