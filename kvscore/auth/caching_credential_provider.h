// kvscore/auth/caching_credential_provider.h: a decorator that caches
// another provider's credentials and refreshes them before they expire
// (model: aws-c-auth credentials_provider_cached.c).
//
// Policy (times from the injected Clock: expiry, refresh and age against
// wall time, the retry pause against monotonic time):
//   - Credentials with an expiration are due for refresh at
//     `expiration - margin`, where margin = min(refresh_margin_ns, half the
//     lifetime they had when fetched), so short-lived credentials (tests use
//     1-minute ones) are not refreshed on every call.
//   - Credentials without expiration are due after `max_age_ns` (0: never).
//   - Fetch() answers from the cache, synchronously, while the credentials
//     are not due. When they are, it asks the inner provider; concurrent
//     Fetch() calls share that one request.
//   - If the refresh fails while the cached credentials have not yet
//     expired, they are served anyway (a warning is logged) and the inner
//     provider is not asked again for `retry_interval_ns`. Once expired they
//     are dropped and the error is returned.
//
// The upload uses refresh_time_ns(): it rotates its PutMedia session (with
// credentials fetched afresh) before that time, so no session outlives its
// credentials (DESIGN.md "Sessions"; upstream-kvssink.md B.5).
//
// Threads: any. Fetch() runs `done` before returning on a cache hit, else on
// the thread of the inner provider's answer (the network thread for HTTP
// sources). No lock is held while calling the inner provider or `done`. The
// decorator may be destroyed while a refresh is in flight.
#ifndef KVSCORE_AUTH_CACHING_CREDENTIAL_PROVIDER_H_
#define KVSCORE_AUTH_CACHING_CREDENTIAL_PROVIDER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "kvscore/auth/credential_provider.h"
#include "kvscore/base/clock.h"

namespace kvs {

struct CredentialCacheOptions {
  // Refresh this long before expiry, in ns (AWS SDKs: 5 min).
  int64_t refresh_margin_ns = 5 * 60 * kNsPerSecond;
  // Re-fetch credentials that have no expiration after this long, in ns;
  // 0 = never.
  int64_t max_age_ns = 0;
  // After a failed refresh with still-valid credentials cached, wait this
  // long before asking the inner provider again, in ns.
  int64_t retry_interval_ns = 10 * kNsPerSecond;
};

class CachingCredentialProvider final : public CredentialProvider {
 public:
  // `inner` non-null; `clock` must outlive this object and any refresh in
  // flight.
  CachingCredentialProvider(std::shared_ptr<CredentialProvider> inner,
                            const Clock& clock,
                            CredentialCacheOptions options = {});

  void Fetch(CredentialsCallback done) override;
  std::string name() const override;  // The inner provider's name.

  // Drops the cached credentials, so the next Fetch() asks the source; for
  // a service answer that says the credentials were revoked or expired
  // early (e.g. 403 ExpiredTokenException).
  void Invalidate();

  // The cached credentials' expiration (ns since the epoch); nullopt when
  // nothing is cached or they do not expire.
  std::optional<int64_t> expiration_ns() const;

  // Wall time (ns since the epoch) at which the cached credentials become
  // due for refresh; nullopt when nothing is cached or never.
  std::optional<int64_t> refresh_time_ns() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_CACHING_CREDENTIAL_PROVIDER_H_
