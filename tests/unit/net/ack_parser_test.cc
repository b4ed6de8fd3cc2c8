#include "kvscore/net/ack_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kvs {
namespace {

// Three ACKs as recorded from a KVS-compatible endpoint
// (upstream-wire-capture.md section 3), plus IDLE and ERROR forms.
const char kStream[] =
    "{\"EventType\":\"BUFFERING\",\"FragmentTimecode\":1795262660292,"
    "\"FragmentNumber\":\"91343852333181432392682062607743920146264432001\"}\n"
    "{\"EventType\":\"RECEIVED\",\"FragmentTimecode\":1795262660292,"
    "\"FragmentNumber\":\"91343852333181432392682062607743920146264432001\"}\n"
    "\r\n  {\"EventType\":\"IDLE\"}"
    "{ \"EventType\" : \"ERROR\" , \"FragmentTimecode\" : \"1795262661292\","
    " \"FragmentNumber\": 12, \"ErrorId\": 4004,"
    " \"ErrorCode\": \"FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS\","
    " \"Extra\": {\"a\": [1, \"}\"]} }\n"
    "{\"EventType\":\"PERSISTED\",\"FragmentTimecode\":1795262660292,"
    "\"FragmentNumber\":\"91343852333181432392682062607743920146264432001\"}";

void ExpectStreamAcks(const std::vector<FragmentAck>& acks) {
  ASSERT_EQ(acks.size(), 5u);
  EXPECT_EQ(acks[0].type, AckEventType::kBuffering);
  EXPECT_EQ(acks[0].fragment_timecode, 1795262660292);
  EXPECT_EQ(acks[0].fragment_number,
            "91343852333181432392682062607743920146264432001");
  EXPECT_EQ(acks[1].type, AckEventType::kReceived);
  EXPECT_EQ(acks[2].type, AckEventType::kIdle);
  EXPECT_EQ(acks[2].fragment_timecode, -1);
  EXPECT_EQ(acks[3].type, AckEventType::kError);
  EXPECT_EQ(acks[3].fragment_timecode, 1795262661292);  // from a string
  EXPECT_EQ(acks[3].fragment_number, "12");             // from a number
  EXPECT_EQ(acks[3].error_id, 4004);
  EXPECT_EQ(acks[4].type, AckEventType::kPersisted);
}

ByteSpan Span(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(AckParserTest, WholeBuffer) {
  AckParser parser;
  std::vector<FragmentAck> acks;
  EXPECT_TRUE(parser.Feed(Span(kStream), &acks).ok());
  ExpectStreamAcks(acks);
  EXPECT_FALSE(parser.in_object());
}

TEST(AckParserTest, OneByteAtATime) {
  AckParser parser;
  std::vector<FragmentAck> acks;
  std::string stream = kStream;
  for (size_t i = 0; i < stream.size(); ++i) {
    size_t before = acks.size();
    ASSERT_TRUE(parser.Feed(Span(stream.substr(i, 1)), &acks).ok()) << i;
    // An ACK completes exactly at its closing brace, never earlier.
    if (acks.size() != before) {
      EXPECT_EQ(stream[i], '}') << i;
    }
  }
  ExpectStreamAcks(acks);
}

TEST(AckParserTest, EverySplitPoint) {
  std::string stream = kStream;
  for (size_t split = 0; split <= stream.size(); ++split) {
    AckParser parser;
    std::vector<FragmentAck> acks;
    ASSERT_TRUE(parser.Feed(Span(stream.substr(0, split)), &acks).ok());
    ASSERT_TRUE(parser.Feed(Span(stream.substr(split)), &acks).ok());
    ASSERT_EQ(acks.size(), 5u) << "split at " << split;
  }
}

TEST(AckParserTest, MalformedObjectIsReportedAndSkipped) {
  AckParser parser;
  std::vector<FragmentAck> acks;
  Status s = parser.Feed(
      Span("{\"FragmentTimecode\":1}{\"EventType\":\"RECEIVED\","
           "\"FragmentTimecode\":\"x\"}{\"EventType\":\"PERSISTED\"}"),
      &acks);
  EXPECT_EQ(s.code(), StatusCode::kMalformedResponse);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, AckEventType::kPersisted);
}

TEST(AckParserTest, OversizedObjectIsRejectedWithoutUnboundedMemory) {
  AckParser parser;
  std::vector<FragmentAck> acks;
  std::string big = "{\"EventType\":\"IDLE\",\"Pad\":\"" +
                    std::string(AckParser::kMaxObjectBytes * 2, 'x') + "\"}";
  EXPECT_FALSE(parser.Feed(Span(big), &acks).ok());
  EXPECT_TRUE(acks.empty());
  EXPECT_TRUE(parser.Feed(Span("{\"EventType\":\"IDLE\"}"), &acks).ok());
  EXPECT_EQ(acks.size(), 1u);
}

TEST(AckParserTest, UnknownEventTypeIsKept) {
  Result<FragmentAck> ack = ParseAckObject("{\"EventType\":\"NEWTHING\"}");
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->type, AckEventType::kUnknown);
  EXPECT_FALSE(ParseAckObject("[1]").ok());
  EXPECT_FALSE(ParseAckObject("{\"EventType\":\"IDLE\"").ok());
}

}  // namespace
}  // namespace kvs
