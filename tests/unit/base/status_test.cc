#include "kvscore/base/status.h"

#include <gtest/gtest.h>

#include "kvscore/base/bytes.h"
#include "kvscore/base/clock.h"

namespace kvs {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, ToStringCarriesServiceDetails) {
  Status s(StatusCode::kResourceNotFound, "DescribeStream: no stream x");
  s.set_http_status(404).set_aws_error_type("ResourceNotFoundException");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(),
            "not-found: DescribeStream: no stream x "
            "(HTTP 404, ResourceNotFoundException)");
}

TEST(StatusTest, AckErrorId) {
  Status s(StatusCode::kAckError, "fragment rejected");
  s.set_kvs_error_id(4004);
  EXPECT_EQ(s.ToString(), "ack-error: fragment rejected (ErrorId 4004)");
}

TEST(ResultTest, ValueAndError) {
  Result<int> good(7);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad(Status(StatusCode::kTimeout, "late"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kTimeout);
  // An OK status cannot make a value-less Result look successful.
  Result<int> odd{Status()};
  EXPECT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), StatusCode::kInternal);
}

TEST(BytesTest, HexAndSubspan) {
  std::vector<uint8_t> v = {0x01, 0xf4, 0x00, 0x0d};
  ByteSpan span(v);
  EXPECT_EQ(ToHex(span), "01f4000d");
  EXPECT_EQ(ToHex(span.subspan(1, 2)), "f400");
  EXPECT_EQ(span.subspan(9).size, 0u);
}

TEST(ClockTest, ManualClockAdvances) {
  ManualClock clock(1000, 5);
  clock.Advance(10);
  EXPECT_EQ(clock.RealtimeNs(), 1010);
  EXPECT_EQ(clock.MonotonicNs(), 15);
  EXPECT_GT(SystemClock().RealtimeNs(), 1600000000 * kNsPerSecond);
}

}  // namespace
}  // namespace kvs
