#include "kvscore/auth/chain_credential_provider.h"

#include <utility>

#include "kvscore/base/log.h"

namespace kvs {
namespace {

struct ChainFetch {
  std::vector<std::shared_ptr<CredentialProvider>> providers;
  size_t next = 0;
  std::string failures;
  bool any_expired = false;
  CredentialsCallback done;
};

void TryNext(std::shared_ptr<ChainFetch> fetch) {
  if (fetch->next == fetch->providers.size()) {
    if (fetch->providers.empty()) {
      fetch->done(Status(StatusCode::kCredentialsUnavailable,
                         "no credential source is configured"));
      return;
    }
    fetch->done(Status(fetch->any_expired ? StatusCode::kCredentialsExpired
                                          : StatusCode::kCredentialsUnavailable,
                       "no AWS credentials found; tried: " + fetch->failures));
    return;
  }
  std::shared_ptr<CredentialProvider> provider =
      fetch->providers[fetch->next++];
  const std::string name = provider->name();
  provider->Fetch([fetch, name](Result<Credentials> result) {
    if (result.ok()) {
      KVS_LOG_INFO("credentials from %s: %s", name.c_str(),
                   result->DebugString().c_str());
      if (result->source.empty()) result->source = name;
      fetch->done(std::move(result));
      return;
    }
    KVS_LOG_DEBUG("credential source failed: %s",
                  result.status().message().c_str());
    if (!fetch->failures.empty()) fetch->failures += "; ";
    fetch->failures += result.status().message();
    fetch->any_expired |=
        result.status().code() == StatusCode::kCredentialsExpired;
    TryNext(fetch);
  });
}

}  // namespace

ChainCredentialProvider::ChainCredentialProvider(
    std::vector<std::shared_ptr<CredentialProvider>> providers)
    : providers_(std::move(providers)) {}

void ChainCredentialProvider::Fetch(CredentialsCallback done) {
  auto fetch = std::make_shared<ChainFetch>();
  fetch->providers = providers_;
  fetch->done = std::move(done);
  TryNext(std::move(fetch));
}

std::vector<std::string> ChainCredentialProvider::provider_names() const {
  std::vector<std::string> names;
  for (const auto& provider : providers_) names.push_back(provider->name());
  return names;
}

}  // namespace kvs
