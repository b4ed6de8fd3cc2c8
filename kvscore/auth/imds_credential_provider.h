// kvscore/auth/imds_credential_provider.h: the EC2 instance role's
// credentials from the instance metadata service, IMDSv2 only (EC2 User
// Guide, "Use IMDSv2" and "Retrieve security credentials from instance
// metadata"; botocore InstanceMetadataFetcher):
//   1. PUT <endpoint>/latest/api/token with
//      "X-aws-ec2-metadata-token-ttl-seconds: 21600" -> session token.
//   2. GET <endpoint>/latest/meta-data/iam/security-credentials/ with
//      "X-aws-ec2-metadata-token: <token>" -> role name (first line).
//   3. GET .../security-credentials/<role> with the same header ->
//      {"Code": "Success", "AccessKeyId", "SecretAccessKey", "Token",
//       "Expiration"}.
// Endpoint: $AWS_EC2_METADATA_SERVICE_ENDPOINT (e.g. "http://127.0.0.1:
// 8080", used by tests against kvslocal), else "http://[fd00:ec2::254]" when
// $AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is "IPv6", else
// "http://169.254.169.254". $AWS_EC2_METADATA_DISABLED=true turns the
// provider off. Each step has a short timeout (1 s, botocore's default), so
// off EC2 the provider fails fast; requests are never proxied. There is no
// IMDSv1 fallback: an instance that requires IMDSv1 is refused.
//
// The IMDS token is secret-like and never logged. `done` runs at once when
// disabled, else on the network thread.
#ifndef KVSCORE_AUTH_IMDS_CREDENTIAL_PROVIDER_H_
#define KVSCORE_AUTH_IMDS_CREDENTIAL_PROVIDER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "kvscore/auth/credential_provider.h"
#include "kvscore/auth/environment.h"
#include "kvscore/auth/http_fetcher.h"
#include "kvscore/base/clock.h"

namespace kvs {

struct ImdsOptions {
  int64_t timeout_ms = 1000;          // Per request, in ms.
  int64_t token_ttl_seconds = 21600;  // Requested token lifetime, in s.
};

class ImdsCredentialProvider final : public CredentialProvider {
 public:
  // `fetcher` must be non-null; `clock` (wall time) checks the expiry and
  // must outlive the provider and its pending fetches.
  ImdsCredentialProvider(EnvironmentFn env,
                         std::shared_ptr<HttpFetcher> fetcher,
                         const Clock& clock, ImdsOptions options = {});

  // Errors, all starting "instance-metadata: ": kCredentialsUnavailable when
  // disabled, when a step fails (the step's method and URL, then the cause
  // or HTTP status), when no role is attached (404 on step 2), or for a
  // malformed answer; kCredentialsExpired for expired credentials.
  void Fetch(CredentialsCallback done) override;
  std::string name() const override { return "instance-metadata"; }

  // The endpoint base URL chosen from `env`, without a trailing '/'.
  static std::string Endpoint(const EnvironmentFn& env);

 private:
  const EnvironmentFn env_;
  const std::shared_ptr<HttpFetcher> fetcher_;
  const Clock& clock_;
  const ImdsOptions options_;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_IMDS_CREDENTIAL_PROVIDER_H_
