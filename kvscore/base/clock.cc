#include "kvscore/base/clock.h"

#include <time.h>

namespace kvs {
namespace {

int64_t ReadClock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSecond + ts.tv_nsec;
}

class RealClock final : public Clock {
 public:
  int64_t RealtimeNs() const override { return ReadClock(CLOCK_REALTIME); }
  int64_t MonotonicNs() const override { return ReadClock(CLOCK_MONOTONIC); }
};

}  // namespace

const Clock& SystemClock() {
  static const RealClock* clock = new RealClock();
  return *clock;
}

}  // namespace kvs
