// kvscore/auth/profile_credential_provider.h: static credentials from an AWS
// profile in the shared credentials and config files (aws_profile.h has the
// file locations and syntax).
//
// A profile gives credentials with `aws_access_key_id`,
// `aws_secret_access_key` and optionally `aws_session_token`, taken from the
// credentials file's section when it has both keys, else from the config
// file's (botocore: shared-credentials-file before config-file).
// Profiles that get credentials some other way (`role_arn`,
// `credential_process`, `sso_session`/`sso_start_url`,
// `web_identity_token_file`) are reported as unsupported, by name, rather
// than silently skipped.
//
// Files and $AWS_PROFILE are read on every Fetch(). Fetch() answers
// synchronously. Thread-safe.
#ifndef KVSCORE_AUTH_PROFILE_CREDENTIAL_PROVIDER_H_
#define KVSCORE_AUTH_PROFILE_CREDENTIAL_PROVIDER_H_

#include <string>

#include "kvscore/auth/credential_provider.h"
#include "kvscore/auth/environment.h"

namespace kvs {

class ProfileCredentialProvider final : public CredentialProvider {
 public:
  // `profile` is the element's `profile` property ("" when unset).
  ProfileCredentialProvider(std::string profile, EnvironmentFn env);

  // Errors, all kCredentialsUnavailable and starting with
  // `profile "<name>": `: the profile is in neither file (with each file's
  // reason), has no keys, uses an unsupported source, or a file does not
  // parse.
  void Fetch(CredentialsCallback done) override;
  std::string name() const override { return "profile"; }

 private:
  const std::string profile_;
  const EnvironmentFn env_;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_PROFILE_CREDENTIAL_PROVIDER_H_
