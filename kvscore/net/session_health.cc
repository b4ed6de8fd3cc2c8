#include "kvscore/net/session_health.h"

namespace kvs {

const char* HealthActionName(HealthAction action) {
  switch (action) {
    case HealthAction::kNone:
      return "none";
    case HealthAction::kStale:
      return "stale";
    case HealthAction::kLatency:
      return "latency";
    case HealthAction::kRotate:
      return "rotate";
    case HealthAction::kIdleEnd:
      return "idle-end";
  }
  return "unknown";
}

void SessionHealth::SessionStarted(int64_t now) {
  session_start_ = now;
  unbuffered_.clear();
}

void SessionHealth::FragmentStarted(uint64_t index, int64_t now) {
  if (!unbuffered_.empty() && unbuffered_.back().index >= index) return;
  unbuffered_.push_back({index, now});
}

void SessionHealth::FragmentBuffering(uint64_t index) {
  while (!unbuffered_.empty() && unbuffered_.front().index <= index) {
    unbuffered_.pop_front();
  }
}

HealthAction SessionHealth::Check(int64_t now, int64_t unsent_age_ns) {
  if (limits_.staleness_ns > 0 && !unbuffered_.empty() &&
      now - unbuffered_.front().time >= limits_.staleness_ns) {
    return HealthAction::kStale;
  }
  if (limits_.max_latency_ns > 0 && unsent_age_ns > limits_.max_latency_ns) {
    return HealthAction::kLatency;
  }
  bool too_old =
      limits_.rotation_ns > 0 && now - session_start_ >= limits_.rotation_ns;
  bool credentials_due =
      credentials_deadline_ > 0 && now >= credentials_deadline_;
  if (too_old || credentials_due) return HealthAction::kRotate;
  if (limits_.idle_ns > 0 && fragment_open_ &&
      now - last_frame_ >= limits_.idle_ns) {
    fragment_open_ = false;
    return HealthAction::kIdleEnd;
  }
  return HealthAction::kNone;
}

}  // namespace kvs
