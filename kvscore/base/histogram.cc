#include "kvscore/base/histogram.h"

#include <algorithm>
#include <cmath>

namespace kvs {

int LatencyHistogram::BucketOf(uint64_t value) {
  if (value < (uint64_t{1} << kSubBits)) return static_cast<int>(value);
  int octave = 63 - __builtin_clzll(value);  // >= kSubBits
  int shift = octave - kSubBits;
  int sub = static_cast<int>((value >> shift) & ((1u << kSubBits) - 1));
  return ((shift + 1) << kSubBits) + sub;
}

uint64_t LatencyHistogram::UpperEdge(int bucket) {
  if (bucket < (1 << kSubBits)) return static_cast<uint64_t>(bucket);
  int shift = (bucket >> kSubBits) - 1;
  uint64_t sub = static_cast<uint64_t>(bucket & ((1 << kSubBits) - 1));
  uint64_t base = (uint64_t{1} << kSubBits) | sub;
  return ((base + 1) << shift) - 1;
}

void LatencyHistogram::Record(int64_t ns) {
  uint64_t value = ns > 0 ? static_cast<uint64_t>(ns) : 0;
  int bucket = std::min(BucketOf(value), kBuckets - 1);
  if (counts_[bucket] < UINT32_MAX) ++counts_[bucket];
  ++count_;
  max_ = std::max<int64_t>(max_, static_cast<int64_t>(value));
}

int64_t LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::min(1.0, std::max(0.0, q));
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * count_));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) {
      return std::min<int64_t>(static_cast<int64_t>(UpperEdge(b)), max_);
    }
  }
  return max_;
}

}  // namespace kvs
