#include "kvscore/auth/default_credential_chain.h"

#include <utility>
#include <vector>

#include "kvscore/auth/container_credential_provider.h"
#include "kvscore/auth/credential_file_provider.h"
#include "kvscore/auth/environment_credential_provider.h"
#include "kvscore/auth/imds_credential_provider.h"
#include "kvscore/auth/profile_credential_provider.h"
#include "kvscore/auth/static_credential_provider.h"

namespace kvs {

CredentialCacheOptions DefaultKvsCacheOptions() {
  CredentialCacheOptions options;
  options.max_age_ns = kNonExpiringCredentialsMaxAgeNs;
  return options;
}

bool CredentialSettings::HasExplicitSource() const {
  return !access_key.empty() || !secret_key.empty() || iot.has_value() ||
         !credential_path.empty() || !profile.empty();
}

std::shared_ptr<ChainCredentialProvider> BuildCredentialChain(
    const CredentialSettings& settings, const EnvironmentFn& env,
    std::shared_ptr<HttpFetcher> fetcher, const Clock& clock) {
  std::vector<std::shared_ptr<CredentialProvider>> chain;
  if (settings.HasExplicitSource()) {
    if (!settings.access_key.empty() || !settings.secret_key.empty()) {
      Credentials credentials;
      credentials.access_key_id = settings.access_key;
      credentials.secret_access_key = settings.secret_key;
      credentials.session_token = settings.session_token;
      chain.push_back(
          std::make_shared<StaticCredentialProvider>(std::move(credentials)));
    }
    if (settings.iot && fetcher) {
      chain.push_back(std::make_shared<IotCredentialProvider>(*settings.iot,
                                                              fetcher, clock));
    }
    if (!settings.credential_path.empty()) {
      chain.push_back(std::make_shared<CredentialFileProvider>(
          settings.credential_path, clock));
    }
    if (!settings.profile.empty()) {
      chain.push_back(
          std::make_shared<ProfileCredentialProvider>(settings.profile, env));
    }
    return std::make_shared<ChainCredentialProvider>(std::move(chain));
  }
  chain.push_back(std::make_shared<EnvironmentCredentialProvider>(env, clock));
  chain.push_back(std::make_shared<ProfileCredentialProvider>("", env));
  if (fetcher) {
    chain.push_back(
        std::make_shared<ContainerCredentialProvider>(env, fetcher, clock));
    chain.push_back(
        std::make_shared<ImdsCredentialProvider>(env, fetcher, clock));
  }
  return std::make_shared<ChainCredentialProvider>(std::move(chain));
}

std::shared_ptr<CachingCredentialProvider> BuildDefaultCredentialProvider(
    const CredentialSettings& settings, const EnvironmentFn& env,
    std::shared_ptr<HttpFetcher> fetcher, const Clock& clock,
    CredentialCacheOptions options) {
  return std::make_shared<CachingCredentialProvider>(
      BuildCredentialChain(settings, env, std::move(fetcher), clock), clock,
      options);
}

}  // namespace kvs
