#include "kvscore/auth/clock_skew.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kvscore/auth/aws_time.h"

namespace kvs {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

int64_t Iso(const char* text) { return ParseIso8601(text).value(); }

TEST(ParseHttpDateTest, ImfFixdate) {
  Result<int64_t> t = ParseHttpDate("Sat, 21 Nov 2026 12:20:00 GMT");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, Iso("2026-11-21T12:20:00Z"));
  // RFC 9110's example.
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT").value(),
            784111777 * kNsPerSecond);
  EXPECT_EQ(ParseHttpDate("  Sun, 06 Nov 1994 08:49:37 GMT\r\n").value(),
            784111777 * kNsPerSecond);
}

TEST(ParseHttpDateTest, ObsoleteForms) {
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT").value(),
            784111777 * kNsPerSecond);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994").value(),
            784111777 * kNsPerSecond);
  EXPECT_EQ(ParseHttpDate("Monday, 02-Mar-26 00:00:00 GMT").value(),
            Iso("2026-03-02T00:00:00Z"));
}

TEST(ParseHttpDateTest, RejectsOtherText) {
  for (const char* bad :
       {"", "yesterday", "Sat, 21 Nov 2026 12:20:00",
        "Sat, 21 Foo 2026 "
        "12:20:00 GMT",
        "Sat, 21 Nov 2026 25:20:00 GMT",
        "Sat, 21 Nov 2026 12:20:00 GMT trailing", "2026-11-21T12:20:00Z"}) {
    Result<int64_t> t = ParseHttpDate(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(SignatureMessageTest, ExpiredGivesServerTime) {
  // The brief's example and a real 5-minute-window reply.
  EXPECT_EQ(ServerTimeFromSignatureMessage(
                "Signature expired: 20261121T120000Z is now earlier than "
                "20261121T121500Z (20261121T122000Z - 15 min.)"),
            Iso("2026-11-21T12:20:00Z"));
  EXPECT_EQ(ServerTimeFromSignatureMessage(
                "{\"message\":\"Signature expired: 20240522T115547Z is now "
                "earlier than 20240522T120908Z (20240522T121408Z - 5 "
                "min.)\"}"),
            Iso("2024-05-22T12:14:08Z"));
}

TEST(SignatureMessageTest, NotYetCurrentGivesServerTime) {
  EXPECT_EQ(ServerTimeFromSignatureMessage(
                "Signature not yet current: 20181120T211543Z is still later "
                "than 20181120T211529Z (20181120T211029Z + 5 min.)"),
            Iso("2018-11-20T21:10:29Z"));
  EXPECT_EQ(ServerTimeFromSignatureMessage(
                "<Message>Signature not yet current: 20261121T124000Z is "
                "still later than 20261121T123500Z (20261121T122000Z + 15 "
                "min.)</Message>"),
            Iso("2026-11-21T12:20:00Z"));
}

TEST(SignatureMessageTest, OtherMessagesGiveNothing) {
  for (const char* text :
       {"", "The security token included in the request is invalid.",
        "Signature expired: 20261121T120000Z is now earlier than "
        "20261121T121500Z",
        "Signature expired: (garbage - 15 min.)",
        "Signature expired: 20261121T120000Z is now earlier than "
        "20261121T121500Z (20261121T122000Z)",
        "The request signature we calculated does not match the signature "
        "you provided."}) {
    EXPECT_EQ(ServerTimeFromSignatureMessage(text), std::nullopt) << text;
  }
}

TEST(ClockSkewErrorTypeTest, KnownTypesInAllSpellings) {
  EXPECT_TRUE(IsClockSkewErrorType("RequestExpired"));
  EXPECT_TRUE(IsClockSkewErrorType(
      "InvalidSignatureException:http://internal.amazon.com/coral/"
      "com.amazon.coral.service/"));
  EXPECT_TRUE(
      IsClockSkewErrorType("com.amazon.coral.service#RequestTimeTooSkewed"));
  EXPECT_TRUE(IsClockSkewErrorType("SignatureDoesNotMatch"));
  EXPECT_FALSE(IsClockSkewErrorType("AccessDeniedException"));
  EXPECT_FALSE(IsClockSkewErrorType(""));
  EXPECT_FALSE(IsClockSkewErrorType("RequestExpiredSoon"));
}

TEST(ServerTimeFromReplyTest, MessageWinsOverDate) {
  Headers headers = {
      {"x-amzn-ErrorType", "InvalidSignatureException:http://x/"},
      {"Date", "Sat, 21 Nov 2026 12:20:05 GMT"}};
  std::optional<ServerTime> t = ServerTimeFromReply(
      403, headers,
      "{\"message\":\"Signature expired: 20261121T120000Z is now earlier "
      "than 20261121T121500Z (20261121T122000Z - 15 min.)\"}");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->epoch_ns, Iso("2026-11-21T12:20:00Z"));
  EXPECT_EQ(t->source, ServerTimeSource::kSignatureMessage);
}

TEST(ServerTimeFromReplyTest, DateHeaderOnRequestExpired400) {
  Headers headers = {{"date", "Sat, 21 Nov 2026 12:20:05 GMT"},
                     {"x-amzn-ErrorType", "RequestExpired:http://x/"}};
  std::optional<ServerTime> t =
      ServerTimeFromReply(400, headers, "{\"message\":\"Request expired\"}");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->epoch_ns, Iso("2026-11-21T12:20:05Z"));
  EXPECT_EQ(t->source, ServerTimeSource::kDateHeader);
}

TEST(ServerTimeFromReplyTest, ErrorTypeFromBody) {
  Headers headers = {{"Date", "Sat, 21 Nov 2026 12:20:05 GMT"}};
  EXPECT_TRUE(ServerTimeFromReply(400, headers,
                                  "{\"__type\":\"com.amazon.coral.service#"
                                  "RequestExpired\",\"message\":\"x\"}")
                  .has_value());
  EXPECT_TRUE(
      ServerTimeFromReply(400, headers,
                          "<Error><Code>RequestTimeTooSkewed</Code></Error>")
          .has_value());
  EXPECT_FALSE(
      ServerTimeFromReply(400, headers, "{\"__type\":\"ValidationException\"}")
          .has_value());
  EXPECT_FALSE(ServerTimeFromReply(400, headers, "not json").has_value());
}

TEST(ServerTimeFromReplyTest, DateHeaderOnAny401Or403) {
  Headers headers = {{"Date", "Sat, 21 Nov 2026 12:20:05 GMT"}};
  EXPECT_TRUE(ServerTimeFromReply(403, headers, "").has_value());
  EXPECT_TRUE(ServerTimeFromReply(401, headers, "").has_value());
}

TEST(ServerTimeFromReplyTest, OtherStatusesAndMissingDate) {
  Headers headers = {{"Date", "Sat, 21 Nov 2026 12:20:05 GMT"},
                     {"x-amzn-ErrorType", "RequestExpired"}};
  for (int status : {200, 404, 429, 500, 503}) {
    EXPECT_FALSE(ServerTimeFromReply(status, headers, "").has_value())
        << status;
  }
  EXPECT_FALSE(ServerTimeFromReply(403, {}, "").has_value());
  EXPECT_FALSE(ServerTimeFromReply(403, {{"Date", "garbage"}}, "").has_value());
}

TEST(SkewCorrectedClockTest, PassesThroughUntilCorrected) {
  ManualClock base(Iso("2026-11-21T12:00:00Z"), 42);
  SkewCorrectedClock clock(base);
  EXPECT_EQ(clock.RealtimeNs(), base.RealtimeNs());
  EXPECT_EQ(clock.MonotonicNs(), 42);
  EXPECT_EQ(clock.offset_ns(), 0);
  EXPECT_EQ(clock.threshold_ns(), kDefaultClockSkewThresholdNs);
}

TEST(SkewCorrectedClockTest, CorrectsALocalClockThatIsBehind) {
  ManualClock base(Iso("2026-11-21T12:00:00Z"));
  SkewCorrectedClock clock(base);
  ServerTime server{Iso("2026-11-21T12:20:00Z"),
                    ServerTimeSource::kSignatureMessage};
  EXPECT_TRUE(clock.CorrectTo(server));
  EXPECT_EQ(clock.offset_ns(), 20 * 60 * kNsPerSecond);
  EXPECT_EQ(clock.RealtimeNs(), Iso("2026-11-21T12:20:00Z"));
  base.Advance(5 * kNsPerSecond);
  EXPECT_EQ(clock.RealtimeNs(), Iso("2026-11-21T12:20:05Z"));
  EXPECT_EQ(clock.MonotonicNs(), base.MonotonicNs());  // Unaffected.
  // The same report again is within the threshold: no second correction.
  EXPECT_FALSE(clock.CorrectTo(server));
  EXPECT_EQ(clock.offset_ns(), 20 * 60 * kNsPerSecond);
}

TEST(SkewCorrectedClockTest, CorrectsALocalClockThatIsAhead) {
  ManualClock base(Iso("2027-01-01T00:00:00Z"));
  SkewCorrectedClock clock(base);
  EXPECT_TRUE(clock.CorrectTo(
      {Iso("2026-11-21T12:20:00Z"), ServerTimeSource::kDateHeader}));
  EXPECT_LT(clock.offset_ns(), 0);
  EXPECT_EQ(clock.RealtimeNs(), Iso("2026-11-21T12:20:00Z"));
}

TEST(SkewCorrectedClockTest, SmallSkewIsIgnored) {
  ManualClock base(Iso("2026-11-21T12:00:00Z"));
  SkewCorrectedClock clock(base);
  EXPECT_FALSE(clock.CorrectTo(
      {Iso("2026-11-21T12:00:59Z"), ServerTimeSource::kDateHeader}));
  EXPECT_FALSE(clock.CorrectTo(
      {Iso("2026-11-21T11:59:01Z"), ServerTimeSource::kDateHeader}));
  EXPECT_EQ(clock.offset_ns(), 0);
  EXPECT_TRUE(clock.CorrectTo(
      {Iso("2026-11-21T12:01:01Z"), ServerTimeSource::kDateHeader}));
  EXPECT_EQ(clock.offset_ns(), 61 * kNsPerSecond);
}

TEST(SkewCorrectedClockTest, FollowsTheDeviceClockBackWhenItIsFixed) {
  ManualClock base(Iso("2026-11-21T12:00:00Z"));
  SkewCorrectedClock clock(base);
  ASSERT_TRUE(clock.CorrectTo(
      {Iso("2026-11-21T13:00:00Z"), ServerTimeSource::kDateHeader}));
  // NTP steps the device clock to the right time; signing is now an hour
  // ahead until the next rejection reports the time again.
  base.SetRealtimeNs(Iso("2026-11-21T13:00:10Z"));
  EXPECT_EQ(clock.RealtimeNs(), Iso("2026-11-21T14:00:10Z"));
  EXPECT_TRUE(clock.CorrectTo(
      {Iso("2026-11-21T13:00:10Z"), ServerTimeSource::kDateHeader}));
  EXPECT_EQ(clock.offset_ns(), 0);
  EXPECT_EQ(clock.RealtimeNs(), base.RealtimeNs());
}

TEST(SkewCorrectedClockTest, IsSkewedUsesTheThreshold) {
  ManualClock base;
  SkewCorrectedClock clock(base, 10 * kNsPerSecond);
  EXPECT_FALSE(clock.IsSkewed(0, 10 * kNsPerSecond));
  EXPECT_TRUE(clock.IsSkewed(0, 10 * kNsPerSecond + 1));
  EXPECT_TRUE(clock.IsSkewed(10 * kNsPerSecond + 1, 0));
}

TEST(SkewCorrectedClockTest, ConcurrentReportsCorrectOnce) {
  ManualClock base(Iso("2026-11-21T12:00:00Z"));
  SkewCorrectedClock clock(base);
  const ServerTime server{Iso("2026-11-21T12:30:00Z"),
                          ServerTimeSource::kDateHeader};
  std::atomic<int> corrections{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (clock.CorrectTo(server)) ++corrections;
      (void)clock.RealtimeNs();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(corrections.load(), 1);
  EXPECT_EQ(clock.offset_ns(), 30 * 60 * kNsPerSecond);
}

TEST(SkewCorrectedClockTest, EndToEndFromAReply) {
  ManualClock base(Iso("2026-11-21T12:00:00Z"));
  SkewCorrectedClock clock(base);
  std::optional<ServerTime> server = ServerTimeFromReply(
      403,
      {{"x-amzn-ErrorType", "InvalidSignatureException"},
       {"Date", "Sat, 21 Nov 2026 12:20:01 GMT"}},
      "{\"message\":\"Signature expired: 20261121T120000Z is now earlier "
      "than 20261121T121500Z (20261121T122000Z - 15 min.)\"}");
  ASSERT_TRUE(server.has_value());
  const int64_t signed_at = base.RealtimeNs();
  EXPECT_TRUE(clock.IsSkewed(server->epoch_ns, signed_at));
  EXPECT_TRUE(clock.CorrectTo(*server));
  EXPECT_EQ(FormatAmzDate(clock.RealtimeNs()), "20261121T122000Z");
}

}  // namespace
}  // namespace kvs
