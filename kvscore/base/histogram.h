// kvscore/base/histogram.h: a small fixed-size latency histogram.
//
// Records non-negative durations in ns into log-linear buckets: 16
// sub-buckets per power of two, so any reported percentile is within 1/16
// (6.25 %) of the true value, in O(1) per sample and 4 KiB of memory,
// whatever the number of samples. Used for the stats that bench/ reads
// (frame -> socket, frame -> RECEIVED, frame -> PERSISTED).
//
// Not thread-safe: the owner serialises access (the store's lock).
#ifndef KVSCORE_BASE_HISTOGRAM_H_
#define KVSCORE_BASE_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace kvs {

class LatencyHistogram {
 public:
  // Adds one duration, in ns (negative values count as 0).
  void Record(int64_t ns);
  // The value at quantile `q` in [0, 1], in ns: the upper edge of the
  // bucket holding it, capped at max(). 0 when empty.
  int64_t Quantile(double q) const;
  int64_t max() const { return max_; }
  uint64_t count() const { return count_; }
  void Reset() { *this = LatencyHistogram(); }

 private:
  static constexpr int kSubBits = 4;  // 16 sub-buckets per octave.
  static constexpr int kBuckets = 64 << kSubBits;
  static int BucketOf(uint64_t value);
  static uint64_t UpperEdge(int bucket);

  std::array<uint32_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  int64_t max_ = 0;
};

}  // namespace kvs

#endif  // KVSCORE_BASE_HISTOGRAM_H_
