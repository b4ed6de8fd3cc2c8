// kvscore/auth/default_credential_chain.h: the credential sources kvssink
// uses, assembled from the element's settings.
//
// Order (issue 7; upstream-kvssink.md A.4 and C row 7):
//   1. Explicit sources, in this order, each only when configured:
//        properties       `access-key` + `secret-key` (+ `session-token`)
//        iot-certificate  the `iot-certificate` structure
//        credential-file  `credential-path`
//        profile          the `profile` property
//   2. When none is configured, the AWS SDKs' default chain:
//        environment        AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / ...
//        profile            AWS_PROFILE or "default", credentials then config
//        container          AWS_CONTAINER_CREDENTIALS_{RELATIVE,FULL}_URI
//        instance-metadata  EC2 IMDSv2
//      This is the order of botocore's create_credential_resolver (env,
//      shared-credentials-file, config-file, container-role, iam-role) and
//      of aws-c-auth's default chain (environment, profile, ECS, IMDS),
//      leaving out the sources kvssink does not implement (assume-role,
//      web identity, SSO, credential_process).
// Explicit sources never fall back to ambient ones: a user who configured a
// credential file that turns out to be missing gets an error naming it, not
// a stream uploaded with some other identity found in the environment or on
// the instance. (botocore likewise drops the environment from its chain
// when a profile is named explicitly.) Upstream's order puts iot-certificate
// first; here properties go first because they are the most specific, and
// configuring both is a user error that simply picks the keys.
//
// The chain is wrapped in a CachingCredentialProvider whose max age for
// credentials without expiry is 40 min, so static files and profiles are
// re-read as often as upstream re-reads them (PIC clamps their expiry to
// 40 min).
#ifndef KVSCORE_AUTH_DEFAULT_CREDENTIAL_CHAIN_H_
#define KVSCORE_AUTH_DEFAULT_CREDENTIAL_CHAIN_H_

#include <memory>
#include <optional>
#include <string>

#include "kvscore/auth/caching_credential_provider.h"
#include "kvscore/auth/chain_credential_provider.h"
#include "kvscore/auth/environment.h"
#include "kvscore/auth/http_fetcher.h"
#include "kvscore/auth/iot_credential_provider.h"
#include "kvscore/base/clock.h"

namespace kvs {

// Upstream's re-read period for credentials without expiry, in ns.
inline constexpr int64_t kNonExpiringCredentialsMaxAgeNs =
    40 * 60 * kNsPerSecond;

// The cache options kvssink uses: the defaults plus a 40 min max age.
CredentialCacheOptions DefaultKvsCacheOptions();

// The element's credential settings; empty strings mean "not set".
struct CredentialSettings {
  std::string access_key;                  // `access-key`.
  std::string secret_key;                  // `secret-key` (secret).
  std::string session_token;               // `session-token` (secret).
  std::optional<IotCredentialConfig> iot;  // `iot-certificate`.
  std::string credential_path;             // `credential-path`.
  std::string profile;                     // `profile`.

  // True when any explicit source is configured (step 1 above). A lone
  // access-key or secret-key counts, so its missing half is reported.
  bool HasExplicitSource() const;
};

// The uncached chain for `settings`. `fetcher` serves the HTTP sources; when
// it is null they are left out. `clock` must outlive the chain.
std::shared_ptr<ChainCredentialProvider> BuildCredentialChain(
    const CredentialSettings& settings, const EnvironmentFn& env,
    std::shared_ptr<HttpFetcher> fetcher, const Clock& clock);

// BuildCredentialChain() inside a CachingCredentialProvider with
// `options` (default: 5 min refresh margin, 40 min max age).
std::shared_ptr<CachingCredentialProvider> BuildDefaultCredentialProvider(
    const CredentialSettings& settings, const EnvironmentFn& env,
    std::shared_ptr<HttpFetcher> fetcher, const Clock& clock,
    CredentialCacheOptions options = DefaultKvsCacheOptions());

}  // namespace kvs

#endif  // KVSCORE_AUTH_DEFAULT_CREDENTIAL_CHAIN_H_
