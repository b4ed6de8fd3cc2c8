// kvscore/auth/chain_credential_provider.h: tries providers in order; the
// first that returns credentials wins (model: aws-c-auth
// credentials_provider_chain.c; botocore CredentialResolver).
//
// Every Fetch() walks the chain from the top, one provider at a time (the
// next starts only after the previous answered), so put a
// CachingCredentialProvider around the chain rather than inside it. The
// order used by kvssink is in default_credential_chain.h.
//
// When no provider answers, `done` gets ONE Status listing every provider
// tried and why it failed, in order:
//   "no AWS credentials found; tried: environment: AWS_ACCESS_KEY_ID and
//    AWS_SECRET_ACCESS_KEY are not set; profile \"default\": ...;
//    container: ...; instance-metadata: ..."
// Its code is kCredentialsExpired when some provider found only expired
// credentials, else kCredentialsUnavailable. (Each provider's message
// already starts with its name.)
//
// `done` runs on the thread of the last provider's answer: at once when
// every provider answers synchronously, else on the network thread.
// Thread-safe; the chain may be destroyed during a fetch.
#ifndef KVSCORE_AUTH_CHAIN_CREDENTIAL_PROVIDER_H_
#define KVSCORE_AUTH_CHAIN_CREDENTIAL_PROVIDER_H_

#include <memory>
#include <string>
#include <vector>

#include "kvscore/auth/credential_provider.h"

namespace kvs {

class ChainCredentialProvider final : public CredentialProvider {
 public:
  // `providers` non-null, tried in this order. An empty chain fails with
  // "no credential source is configured".
  explicit ChainCredentialProvider(
      std::vector<std::shared_ptr<CredentialProvider>> providers);

  void Fetch(CredentialsCallback done) override;
  std::string name() const override { return "chain"; }

  // The providers' names, in order, e.g. {"environment", "profile"}.
  std::vector<std::string> provider_names() const;

 private:
  const std::vector<std::shared_ptr<CredentialProvider>> providers_;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_CHAIN_CREDENTIAL_PROVIDER_H_
