// kvscore/auth/environment_credential_provider.h: credentials from the
// environment variables every AWS SDK reads: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and, for temporary credentials, AWS_SESSION_TOKEN
// (kvs-spec.md section 5; upstream-kvssink.md A.4). AWS_CREDENTIAL_EXPIRATION
// (ISO 8601), which the AWS CLI's `configure export-credentials` writes, sets
// the expiration when present.
//
// Variables are read on every Fetch(), through the injected EnvironmentFn.
// Fetch() answers synchronously. Thread-safe.
#ifndef KVSCORE_AUTH_ENVIRONMENT_CREDENTIAL_PROVIDER_H_
#define KVSCORE_AUTH_ENVIRONMENT_CREDENTIAL_PROVIDER_H_

#include <string>

#include "kvscore/auth/credential_provider.h"
#include "kvscore/auth/environment.h"
#include "kvscore/base/clock.h"

namespace kvs {

class EnvironmentCredentialProvider final : public CredentialProvider {
 public:
  // `clock` (wall time) checks AWS_CREDENTIAL_EXPIRATION; must outlive this.
  explicit EnvironmentCredentialProvider(
      EnvironmentFn env = ProcessEnvironment(),
      const Clock& clock = SystemClock());

  // Errors: kCredentialsUnavailable naming the unset variable(s), or when
  // AWS_CREDENTIAL_EXPIRATION does not parse; kCredentialsExpired when it is
  // in the past.
  void Fetch(CredentialsCallback done) override;
  std::string name() const override { return "environment"; }

 private:
  const EnvironmentFn env_;
  const Clock& clock_;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_ENVIRONMENT_CREDENTIAL_PROVIDER_H_
