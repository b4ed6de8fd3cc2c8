// kvscore/auth/static_credential_provider.h: credentials given directly,
// from the element's `access-key`, `secret-key` and `session-token`
// properties (upstream-kvssink.md A.4, step 2).
//
// The credentials never expire (no expiration), as upstream, unless the
// caller sets one. Fetch() answers synchronously. Thread-safe.
#ifndef KVSCORE_AUTH_STATIC_CREDENTIAL_PROVIDER_H_
#define KVSCORE_AUTH_STATIC_CREDENTIAL_PROVIDER_H_

#include <string>

#include "kvscore/auth/credential_provider.h"

namespace kvs {

class StaticCredentialProvider final : public CredentialProvider {
 public:
  // `name` appears in errors; "properties" for the element's properties.
  explicit StaticCredentialProvider(Credentials credentials,
                                    std::string name = "properties");

  // kCredentialsUnavailable when the access key id or secret key is empty
  // ("properties: access-key and secret-key are not both set").
  void Fetch(CredentialsCallback done) override;
  std::string name() const override { return name_; }

 private:
  const Credentials credentials_;
  const std::string name_;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_STATIC_CREDENTIAL_PROVIDER_H_
