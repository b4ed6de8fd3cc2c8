#include "kvscore/auth/caching_credential_provider.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <utility>
#include <vector>

#include "kvscore/auth/aws_time.h"
#include "kvscore/base/log.h"

namespace kvs {

struct CachingCredentialProvider::State {
  std::shared_ptr<CredentialProvider> inner;
  const Clock* clock;
  CredentialCacheOptions options;

  mutable std::mutex mutex;  // Guards the members below.
  std::optional<Credentials> cached;
  // Wall time at which `cached` is due; max() for never.
  int64_t refresh_at_ns = std::numeric_limits<int64_t>::max();
  // Monotonic time before which a failed refresh is not retried.
  int64_t retry_after_mono_ns = std::numeric_limits<int64_t>::min();
  bool in_flight = false;
  std::vector<CredentialsCallback> waiters;

  // Both require `mutex`.
  bool Usable(int64_t now_ns) const {
    return cached && !cached->ExpiresWithin(now_ns, 0);
  }
  void Store(Credentials credentials, int64_t now_ns) {
    if (credentials.expiration_ns) {
      const int64_t lifetime = *credentials.expiration_ns - now_ns;
      const int64_t margin = std::min(options.refresh_margin_ns,
                                      std::max<int64_t>(lifetime, 0) / 2);
      refresh_at_ns = *credentials.expiration_ns - margin;
    } else if (options.max_age_ns > 0) {
      refresh_at_ns = now_ns + options.max_age_ns;
    } else {
      refresh_at_ns = std::numeric_limits<int64_t>::max();
    }
    cached = std::move(credentials);
    retry_after_mono_ns = std::numeric_limits<int64_t>::min();
  }
};

CachingCredentialProvider::CachingCredentialProvider(
    std::shared_ptr<CredentialProvider> inner, const Clock& clock,
    CredentialCacheOptions options)
    : state_(std::make_shared<State>()) {
  state_->inner = std::move(inner);
  state_->clock = &clock;
  state_->options = options;
}

std::string CachingCredentialProvider::name() const {
  return state_->inner->name();
}

void CachingCredentialProvider::Fetch(CredentialsCallback done) {
  std::shared_ptr<State> state = state_;
  const int64_t now = state->clock->RealtimeNs();
  const int64_t mono = state->clock->MonotonicNs();
  std::unique_lock<std::mutex> lock(state->mutex);
  // Not due yet, or due but a failed refresh is still in its pause.
  if (state->Usable(now) &&
      (now < state->refresh_at_ns || mono < state->retry_after_mono_ns)) {
    Credentials credentials = *state->cached;
    lock.unlock();
    done(std::move(credentials));
    return;
  }
  state->waiters.push_back(std::move(done));
  if (state->in_flight) return;
  state->in_flight = true;
  lock.unlock();
  // Wall time here, not at the answer, so a slow answer does not stretch
  // the computed lifetime.
  state->inner->Fetch([state, now](Result<Credentials> result) {
    const int64_t answered = state->clock->RealtimeNs();
    std::unique_lock<std::mutex> lock(state->mutex);
    state->in_flight = false;
    std::vector<CredentialsCallback> waiters;
    waiters.swap(state->waiters);
    Result<Credentials> outcome = result;
    if (result.ok()) {
      state->Store(*result, now);
    } else if (state->Usable(answered)) {
      KVS_LOG_WARNING(
          "credential refresh failed; using cached credentials "
          "until %s: %s",
          FormatIso8601(*state->cached->expiration_ns).c_str(),
          result.status().message().c_str());
      state->retry_after_mono_ns =
          state->clock->MonotonicNs() + state->options.retry_interval_ns;
      outcome = *state->cached;
    } else {
      state->cached.reset();
      state->refresh_at_ns = std::numeric_limits<int64_t>::max();
    }
    lock.unlock();
    for (CredentialsCallback& waiter : waiters) waiter(outcome);
  });
}

void CachingCredentialProvider::Invalidate() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->cached.reset();
  state_->refresh_at_ns = std::numeric_limits<int64_t>::max();
  state_->retry_after_mono_ns = std::numeric_limits<int64_t>::min();
}

std::optional<int64_t> CachingCredentialProvider::expiration_ns() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->cached) return std::nullopt;
  return state_->cached->expiration_ns;
}

std::optional<int64_t> CachingCredentialProvider::refresh_time_ns() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->cached ||
      state_->refresh_at_ns == std::numeric_limits<int64_t>::max()) {
    return std::nullopt;
  }
  return state_->refresh_at_ns;
}

}  // namespace kvs
