// kvscore/auth/credential_provider.h: the one interface every source of AWS
// credentials implements.
//
// Sources (one file each, model: aws-c-auth credentials_provider_*.c):
//   static_credential_provider.h       element properties
//   environment_credential_provider.h  AWS_ACCESS_KEY_ID, ...
//   credential_file_provider.h         upstream's `credential-path` file
//   profile_credential_provider.h      ~/.aws/credentials and ~/.aws/config
//   iot_credential_provider.h          AWS IoT role alias over mutual TLS
//   container_credential_provider.h    ECS/EKS/Greengrass container endpoint
//   imds_credential_provider.h         EC2 instance metadata, IMDSv2
// and two combinators:
//   chain_credential_provider.h        first source that answers wins
//   caching_credential_provider.h      caches and refreshes before expiry
// default_credential_chain.h assembles them from the element's settings.
//
// Threads: Fetch() is called on the network thread (kvscore/net), which must
// never block on I/O; providers that need HTTP go through an injected
// HttpFetcher (http_fetcher.h). `done` runs exactly once:
//   - before Fetch() returns, for providers that only read memory or small
//     local files (static, environment, credential file, profile), or when a
//     provider fails at once;
//   - later on the network thread, for providers that wait on HTTP.
// Callers must accept both and hold no lock across Fetch(). Providers never
// call `done` with a lock of their own held.
//
// Lifetime: a pending fetch keeps what it needs alive (providers capture
// shared state, not `this`), so a provider may be destroyed while a fetch is
// in flight; `done` still runs. A caller that may be gone by then captures a
// weak_ptr to itself in `done`.
//
// Errors: a provider that finds nothing to use (variable unset, file
// missing) returns kCredentialsUnavailable; one that finds credentials past
// their expiration returns kCredentialsExpired. Messages start with the
// provider's name, say what was looked for and where, and never contain a
// secret (secret key, session token, request tokens, response bodies).
#ifndef KVSCORE_AUTH_CREDENTIAL_PROVIDER_H_
#define KVSCORE_AUTH_CREDENTIAL_PROVIDER_H_

#include <functional>
#include <string>

#include "kvscore/auth/credentials.h"
#include "kvscore/base/status.h"

namespace kvs {

using CredentialsCallback = std::function<void(Result<Credentials>)>;

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;

  // Fetches credentials; `done` runs once, as described above.
  virtual void Fetch(CredentialsCallback done) = 0;

  // Short name for error messages and logs, e.g. "environment",
  // "iot-certificate". Stable for the provider's lifetime.
  virtual std::string name() const = 0;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_CREDENTIAL_PROVIDER_H_
