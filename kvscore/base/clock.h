// kvscore/base/clock.h: the clock abstraction.
//
// Everything in kvscore that needs the time takes a `const Clock&`, so tests
// can drive time by hand (ManualClock) and never sleep. Pure byte-producing
// code (mkv/, codec/, the SigV4 stages) never reads a clock at all.
#ifndef KVSCORE_BASE_CLOCK_H_
#define KVSCORE_BASE_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace kvs {

constexpr int64_t kNsPerUs = 1000;
constexpr int64_t kNsPerMs = 1000 * 1000;
constexpr int64_t kNsPerSecond = 1000 * 1000 * 1000;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in ns since the Unix epoch (CLOCK_REALTIME). Can jump.
  virtual int64_t RealtimeNs() const = 0;
  // Monotonic time in ns from an arbitrary origin (CLOCK_MONOTONIC).
  virtual int64_t MonotonicNs() const = 0;
};

// The process's real clock. Thread-safe; never destroyed.
const Clock& SystemClock();

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t realtime_ns = 1700000000 * kNsPerSecond,
                       int64_t monotonic_ns = 0)
      : realtime_ns_(realtime_ns), monotonic_ns_(monotonic_ns) {}

  int64_t RealtimeNs() const override { return realtime_ns_.load(); }
  int64_t MonotonicNs() const override { return monotonic_ns_.load(); }

  // Moves both clocks forward by `ns`.
  void Advance(int64_t ns) {
    realtime_ns_ += ns;
    monotonic_ns_ += ns;
  }
  // Sets the wall clock only (a clock step), leaving the monotonic one.
  void SetRealtimeNs(int64_t ns) { realtime_ns_ = ns; }

 private:
  std::atomic<int64_t> realtime_ns_;
  std::atomic<int64_t> monotonic_ns_;
};

}  // namespace kvs

#endif  // KVSCORE_BASE_CLOCK_H_
