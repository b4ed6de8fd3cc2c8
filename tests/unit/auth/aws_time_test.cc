#include "kvscore/auth/aws_time.h"

#include <gtest/gtest.h>

#include "kvscore/auth/credentials.h"

namespace kvs {
namespace {

constexpr int64_t kNs = 1000000000;

TEST(AwsTimeTest, FormatsSigV4Dates) {
  EXPECT_EQ(FormatAmzDate(1440938160 * kNs), "20150830T123600Z");
  EXPECT_EQ(FormatAmzDate(1440938160 * kNs + 999999999), "20150830T123600Z");
  EXPECT_EQ(FormatScopeDate(1440938160 * kNs), "20150830");
  EXPECT_EQ(FormatAmzDate(0), "19700101T000000Z");
  EXPECT_EQ(FormatIso8601(951782400 * kNs), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatAmzDate(4102444799 * kNs), "20991231T235959Z");
}

TEST(AwsTimeTest, ParsesExtendedBasicFractionAndZones) {
  EXPECT_EQ(*ParseIso8601("2015-08-30T12:36:00Z"), 1440938160 * kNs);
  EXPECT_EQ(*ParseIso8601("20150830T123600Z"), 1440938160 * kNs);
  EXPECT_EQ(*ParseIso8601("2015-08-30T12:36:00"), 1440938160 * kNs);
  EXPECT_EQ(*ParseIso8601("2015-08-30 12:36:00.25Z"),
            1440938160 * kNs + 250000000);
  EXPECT_EQ(*ParseIso8601("2015-08-30T14:36:00+02:00"), 1440938160 * kNs);
  EXPECT_EQ(*ParseIso8601("2015-08-30T07:36:00-0500"), 1440938160 * kNs);
  EXPECT_EQ(*ParseIso8601("2019-01-31T23:00:59Z"), 1548975659 * kNs);
  EXPECT_EQ(*ParseIso8601("2000-02-29T00:00:00Z"), 951782400 * kNs);
}

TEST(AwsTimeTest, RejectsMalformed) {
  for (const char* bad : {"", "2015", "2015-08-30", "2015-08-30T12:36",
                          "2015-13-01T00:00:00Z", "2015-08-30T24:00:00Z",
                          "2015-08-30T12:36:00ZZ", "2015-08-30T12:36:00.Z",
                          "2015-08-30T12:36:00+2", "x015-08-30T12:36:00Z"}) {
    Result<int64_t> r = ParseIso8601(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(CredentialsTest, DebugStringHidesSecrets) {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.session_token = "SESSIONTOKENVALUE";
  c.expiration_ns = 1440938160 * kNs;
  const std::string s = c.DebugString();
  EXPECT_NE(s.find("AKIDEXAMPLE"), std::string::npos);
  EXPECT_NE(s.find("2015-08-30T12:36:00Z"), std::string::npos);
  EXPECT_EQ(s.find("wJalr"), std::string::npos);
  EXPECT_EQ(s.find("SESSIONTOKEN"), std::string::npos);
}

TEST(CredentialsTest, ExpiresWithin) {
  Credentials c;
  EXPECT_FALSE(c.ExpiresWithin(0, INT64_MAX / 2));
  c.expiration_ns = 100;
  EXPECT_FALSE(c.ExpiresWithin(50, 49));
  EXPECT_TRUE(c.ExpiresWithin(50, 50));
}

}  // namespace
}  // namespace kvs
