// kvscore/net/session_health.h: when a healthy-looking PutMedia session must
// be replaced anyway.
//
// The upload engine asks Check() once a second (a watchdog timer on the
// network thread, never on the data path). The rules follow AWS's producer
// (upstream-kvssink.md B.4, B.5, A.7) and kvs-spec.md section 2:
//
//   kStale    a fragment started sending `staleness_ns` ago and has no
//             BUFFERING ACK yet (connection-staleness): the connection is
//             presumed dead; reconnect and replay.
//   kLatency  the oldest unsent media is older than `max_latency_ns`
//             (max-latency): the connection can't keep up or is stuck;
//             reconnect.
//   kRotate   the session has lived `rotation_ns` (rotation-period, capped
//             below KVS's 45-minute connection limit), or its credentials
//             are due for refresh: open a new session at the next fragment
//             boundary while the old one drains its ACKs.
//   kIdleEnd  no frame has arrived for `idle_ns` while a fragment is open:
//             close it with an end-of-fragment tag so KVS acknowledges it
//             (upstream does this after 20 s).
//
// Pure state and arithmetic: times are monotonic ns passed in by the
// caller; nothing here reads a clock. Not thread-safe (network thread).
#ifndef KVSCORE_NET_SESSION_HEALTH_H_
#define KVSCORE_NET_SESSION_HEALTH_H_

#include <cstdint>
#include <deque>

namespace kvs {

struct HealthLimits {
  int64_t staleness_ns = 0;    // 0 = never stale.
  int64_t max_latency_ns = 0;  // 0 = no limit.
  int64_t rotation_ns = 0;     // 0 = never rotate by age.
  int64_t idle_ns = 0;         // 0 = never end idle fragments.
};

enum class HealthAction { kNone, kStale, kLatency, kRotate, kIdleEnd };

// "none", "stale", "latency", "rotate", "idle-end".
const char* HealthActionName(HealthAction action);

class SessionHealth {
 public:
  explicit SessionHealth(HealthLimits limits) : limits_(limits) {}

  // A new session started at `now`; forgets the previous one's fragments.
  void SessionStarted(int64_t now);
  // The session began sending fragment `index` at `now`.
  void FragmentStarted(uint64_t index, int64_t now);
  // BUFFERING (or any later ACK) arrived for `index`: it and every earlier
  // fragment are live.
  void FragmentBuffering(uint64_t index);
  // A frame entered the stream at `now`.
  void FrameArrived(int64_t now) { last_frame_ = now; }
  // A fragment is open (frames may still be added to it).
  void SetFragmentOpen(bool open) { fragment_open_ = open; }
  // The credentials in use are due for refresh at `deadline` (monotonic);
  // 0 = never.
  void SetCredentialsDeadline(int64_t deadline) {
    credentials_deadline_ = deadline;
  }

  // What to do now, given how long the oldest unsent media has waited
  // (`unsent_age_ns`, 0 when nothing is unsent). Checks are ordered:
  // stale, latency, rotate, idle. After kIdleEnd the fragment counts as
  // closed until SetFragmentOpen(true).
  HealthAction Check(int64_t now, int64_t unsent_age_ns);

 private:
  struct Started {
    uint64_t index;
    int64_t time;
  };
  HealthLimits limits_;
  int64_t session_start_ = 0;
  int64_t last_frame_ = 0;
  int64_t credentials_deadline_ = 0;
  bool fragment_open_ = false;
  std::deque<Started> unbuffered_;  // Sent, awaiting BUFFERING; oldest first.
};

}  // namespace kvs

#endif  // KVSCORE_NET_SESSION_HEALTH_H_
