// kvscore/auth/container_credential_provider.h: credentials from a container
// credentials endpoint: the ECS/Fargate task role, EKS Pod Identity and the
// Greengrass token exchange service. Behaviour follows the AWS SDKs
// (botocore ContainerProvider; the AWS SDKs and Tools reference guide,
// "Container credential provider"):
//   - AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: GET http://169.254.170.2<uri>;
//     it takes precedence over
//   - AWS_CONTAINER_CREDENTIALS_FULL_URI: GET <uri>. For http:// the host
//     must be a loopback address (127.0.0.0/8, ::1, "localhost") or an ECS/
//     EKS link-local address (169.254.170.2, 169.254.170.23, fd00:ec2::23);
//     https:// may name any host.
//   - Authorization header: the contents of AWS_CONTAINER_AUTHORIZATION_
//     TOKEN_FILE (re-read on every fetch: EKS rotates it; a final newline is
//     dropped), else AWS_CONTAINER_AUTHORIZATION_TOKEN. A token containing a
//     CR or LF is refused.
//   - Answer: {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}.
//   - Never proxied; 2 s timeout (botocore's).
// Variables are read on every Fetch(); `done` runs at once when none is set,
// else on the network thread.
#ifndef KVSCORE_AUTH_CONTAINER_CREDENTIAL_PROVIDER_H_
#define KVSCORE_AUTH_CONTAINER_CREDENTIAL_PROVIDER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "kvscore/auth/credential_provider.h"
#include "kvscore/auth/environment.h"
#include "kvscore/auth/http_fetcher.h"
#include "kvscore/base/clock.h"

namespace kvs {

inline constexpr char kEcsContainerCredentialsHost[] = "169.254.170.2";

class ContainerCredentialProvider final : public CredentialProvider {
 public:
  // `fetcher` must be non-null; `clock` (wall time) checks the expiry and
  // must outlive the provider and its pending fetches.
  ContainerCredentialProvider(EnvironmentFn env,
                              std::shared_ptr<HttpFetcher> fetcher,
                              const Clock& clock, int64_t timeout_ms = 2000);

  // Errors, all starting "container: ": kCredentialsUnavailable when neither
  // URI variable is set, the full URI is not allowed, the token file cannot
  // be read, or the fetch fails (cause, HTTP status and message kept);
  // kCredentialsExpired for expired credentials.
  void Fetch(CredentialsCallback done) override;
  std::string name() const override { return "container"; }

  // Whether `url` may serve container credentials (rules above); on false,
  // `why` says which rule failed.
  static bool IsAllowedFullUri(const std::string& url, std::string* why);

 private:
  const EnvironmentFn env_;
  const std::shared_ptr<HttpFetcher> fetcher_;
  const Clock& clock_;
  const int64_t timeout_ms_;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_CONTAINER_CREDENTIAL_PROVIDER_H_
