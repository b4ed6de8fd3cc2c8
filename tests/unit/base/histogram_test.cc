#include "kvscore/base/histogram.h"

#include <gtest/gtest.h>

namespace kvs {
namespace {

TEST(HistogramTest, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.Quantile(0.5), 0);
  EXPECT_EQ(h.count(), 0u);
}

TEST(HistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int i = 1; i <= 10; ++i) h.Record(i);
  EXPECT_EQ(h.Quantile(0.5), 5);
  EXPECT_EQ(h.Quantile(1.0), 10);
  EXPECT_EQ(h.max(), 10);
}

TEST(HistogramTest, PercentilesWithinOneSixteenth) {
  LatencyHistogram h;
  // 1..100000 us in ns: p50 = 50 ms, p99 = 99 ms.
  for (int i = 1; i <= 100000; ++i) h.Record(int64_t{i} * 1000);
  auto near = [](int64_t got, int64_t want) {
    return got >= want && got <= want + want / 16;
  };
  EXPECT_TRUE(near(h.Quantile(0.5), 50000000)) << h.Quantile(0.5);
  EXPECT_TRUE(near(h.Quantile(0.99), 99000000)) << h.Quantile(0.99);
  EXPECT_EQ(h.Quantile(1.0), 100000000);
  EXPECT_EQ(h.count(), 100000u);
}

TEST(HistogramTest, NegativeCountsAsZeroAndHugeValuesFit) {
  LatencyHistogram h;
  h.Record(-5);
  h.Record(INT64_MAX);
  EXPECT_EQ(h.Quantile(0.0), 0);
  EXPECT_EQ(h.max(), INT64_MAX);
  EXPECT_EQ(h.Quantile(1.0), INT64_MAX);
}

}  // namespace
}  // namespace kvs
