#include "kvscore/auth/static_credential_provider.h"

#include <utility>

namespace kvs {

StaticCredentialProvider::StaticCredentialProvider(Credentials credentials,
                                                   std::string name)
    : credentials_(std::move(credentials)), name_(std::move(name)) {}

void StaticCredentialProvider::Fetch(CredentialsCallback done) {
  if (!credentials_.complete()) {
    done(Status(StatusCode::kCredentialsUnavailable,
                name_ + ": access-key and secret-key are not both set"));
    return;
  }
  done(credentials_);
}

}  // namespace kvs
