#include "kvscore/codec/nal.h"

#include <gtest/gtest.h>

#include "tests/unit/test_support.h"

namespace kvs {
namespace codec {
namespace {

using kvs_test::FromHex;

std::vector<std::vector<uint8_t>> ToVectors(const std::vector<ByteSpan>& v) {
  std::vector<std::vector<uint8_t>> out;
  for (const ByteSpan& s : v) out.push_back(s.ToVector());
  return out;
}

TEST(NalTest, ValidLengthSizes) {
  EXPECT_TRUE(IsValidNalLengthSize(1));
  EXPECT_TRUE(IsValidNalLengthSize(2));
  EXPECT_FALSE(IsValidNalLengthSize(3));  // 14496-15: 3 is not allowed
  EXPECT_TRUE(IsValidNalLengthSize(4));
  EXPECT_FALSE(IsValidNalLengthSize(0));
  EXPECT_FALSE(IsValidNalLengthSize(8));
}

TEST(NalTest, SplitLengthPrefixedEverySize) {
  // Two NAL units, 09 f0 (AUD) and 65 88 84 (IDR slice start).
  const std::vector<std::vector<uint8_t>> expected = {FromHex("09f0"),
                                                      FromHex("658884")};
  const std::vector<uint8_t> one = FromHex("02 09f0  03 658884");
  const std::vector<uint8_t> two = FromHex("0002 09f0  0003 658884");
  const std::vector<uint8_t> four = FromHex("00000002 09f0  00000003 658884");
  for (auto [bytes, size] : {std::pair{&one, 1}, {&two, 2}, {&four, 4}}) {
    Result<std::vector<ByteSpan>> nals = SplitLengthPrefixed(*bytes, size);
    ASSERT_TRUE(nals.ok()) << size;
    EXPECT_EQ(ToVectors(*nals), expected) << size;
  }
}

TEST(NalTest, SplitLengthPrefixedErrors) {
  // The second NAL unit claims 4 bytes but 3 remain.
  auto overrun = SplitLengthPrefixed(FromHex("0002 09f0 0004 658884"), 2);
  EXPECT_EQ(overrun.status().code(), StatusCode::kInvalidFrame);
  // A length field cut after 1 of its 4 bytes.
  auto cut = SplitLengthPrefixed(FromHex("00000001 09 00"), 4);
  EXPECT_EQ(cut.status().code(), StatusCode::kInvalidFrame);
  // A 4-byte length near 2^32 must not wrap around.
  auto huge = SplitLengthPrefixed(FromHex("fffffffe 09"), 4);
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidFrame);
  auto three = SplitLengthPrefixed(FromHex("000001 09"), 3);
  EXPECT_EQ(three.status().code(), StatusCode::kInvalidArgument);
}

TEST(NalTest, SplitLengthPrefixedSkipsEmptyUnits) {
  const std::vector<uint8_t> au = FromHex("0000 0001 09 0000");
  auto nals = SplitLengthPrefixed(au, 2);  // spans view `au`
  ASSERT_TRUE(nals.ok());
  EXPECT_EQ(ToVectors(*nals), (std::vector<std::vector<uint8_t>>{{0x09}}));
  auto empty = SplitLengthPrefixed(ByteSpan(), 4);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(NalTest, SplitAnnexBThreeAndFourByteStartCodes) {
  const std::vector<uint8_t> stream = FromHex(
      "00000001 0910"        // 4-byte start code, AUD
      "000001 6764001e"      // 3-byte start code, SPS
      "00000001 68ebcc"      // PPS
      "000001 65 000003 01"  // IDR with an emulation prevention byte
      "0000");               // trailing_zero_8bits
  const std::vector<std::vector<uint8_t>> expected = {
      FromHex("0910"), FromHex("6764001e"), FromHex("68ebcc"),
      FromHex("65 000003 01")};
  EXPECT_EQ(ToVectors(SplitAnnexB(stream)), expected);
}

TEST(NalTest, SplitAnnexBEdgeCases) {
  // Bytes before the first start code are ignored.
  EXPECT_EQ(ToVectors(SplitAnnexB(FromHex("ff ee 000001 09f0"))),
            (std::vector<std::vector<uint8_t>>{FromHex("09f0")}));
  EXPECT_TRUE(SplitAnnexB(FromHex("0910 6764")).empty());  // no start code
  EXPECT_TRUE(SplitAnnexB(FromHex("000001")).empty());     // empty unit
  EXPECT_TRUE(SplitAnnexB(FromHex("000001 000001 00")).empty());
  EXPECT_TRUE(SplitAnnexB(ByteSpan()).empty());
  // 00 00 02 is no start code: it stays inside the NAL unit.
  EXPECT_EQ(ToVectors(SplitAnnexB(FromHex("000001 09 000002 ff"))),
            (std::vector<std::vector<uint8_t>>{FromHex("09 000002 ff")}));
  EXPECT_TRUE(StartsWithStartCode(FromHex("000001")));
  EXPECT_TRUE(StartsWithStartCode(FromHex("00000001")));
  EXPECT_FALSE(StartsWithStartCode(FromHex("0000000001")));
  EXPECT_FALSE(StartsWithStartCode(FromHex("0001")));
}

TEST(NalTest, AnnexBToLengthPrefixedByteExact) {
  const std::vector<uint8_t> annexb = FromHex("00000001 0910 000001 65888480");
  auto lp = AnnexBToLengthPrefixed(annexb, 4);
  ASSERT_TRUE(lp.ok());
  EXPECT_EQ(*lp, FromHex("00000002 0910 00000004 65888480"));
  auto lp2 = AnnexBToLengthPrefixed(annexb, 2);
  ASSERT_TRUE(lp2.ok());
  EXPECT_EQ(*lp2, FromHex("0002 0910 0004 65888480"));
  auto back = LengthPrefixedToAnnexB(*lp2, 2);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, FromHex("00000001 0910 00000001 65888480"));
}

TEST(NalTest, AnnexBToLengthPrefixedErrors) {
  std::vector<uint8_t> big = FromHex("000001");
  big.resize(3 + 256, 0x41);  // a 256-byte NAL unit
  EXPECT_EQ(AnnexBToLengthPrefixed(big, 1).status().code(),
            StatusCode::kInvalidFrame);
  EXPECT_TRUE(AnnexBToLengthPrefixed(big, 2).ok());
  EXPECT_EQ(AnnexBToLengthPrefixed(FromHex("0910"), 4).status().code(),
            StatusCode::kInvalidFrame);
  EXPECT_EQ(AnnexBToLengthPrefixed(big, 3).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(LengthPrefixedToAnnexB(FromHex("05 09"), 1).status().code(),
            StatusCode::kInvalidFrame);
}

TEST(NalTest, H264Types) {
  EXPECT_EQ(h264::NalType(FromHex("65")), h264::kIdrSlice);
  EXPECT_EQ(h264::NalType(FromHex("41")), h264::kNonIdrSlice);
  EXPECT_EQ(h264::NalType(FromHex("67")), h264::kSps);
  EXPECT_EQ(h264::NalType(FromHex("68")), h264::kPps);
  EXPECT_EQ(h264::NalType(FromHex("09")), h264::kAud);
  EXPECT_EQ(h264::NalType(FromHex("06")), h264::kSei);
  EXPECT_EQ(h264::NalType(ByteSpan()), -1);
  EXPECT_TRUE(h264::IsIdr(5));
  EXPECT_FALSE(h264::IsIdr(1));
  EXPECT_TRUE(h264::IsSlice(1));
  EXPECT_FALSE(h264::IsSlice(6));
  EXPECT_TRUE(h264::IsParameterSet(7));
  EXPECT_TRUE(h264::IsParameterSet(8));
  EXPECT_FALSE(h264::IsParameterSet(9));
}

TEST(NalTest, H265Types) {
  // nal_unit_type is bits 1..6 of the first byte of the 2-byte header.
  EXPECT_EQ(h265::NalType(FromHex("4001")), h265::kVps);
  EXPECT_EQ(h265::NalType(FromHex("4201")), h265::kSps);
  EXPECT_EQ(h265::NalType(FromHex("4401")), h265::kPps);
  EXPECT_EQ(h265::NalType(FromHex("2601")), h265::kIdrWRadl);
  EXPECT_EQ(h265::NalType(FromHex("2a01")), h265::kCra);
  EXPECT_EQ(h265::NalType(FromHex("4e01")), h265::kPrefixSei);
  EXPECT_EQ(h265::NalType(FromHex("26")), -1);  // header cut short
  for (int t = 0; t < 64; ++t) {
    EXPECT_EQ(h265::IsIrap(t), t >= 16 && t <= 23) << t;
    EXPECT_EQ(h265::IsIdr(t), t == 19 || t == 20) << t;
    EXPECT_EQ(h265::IsRasl(t), t == 8 || t == 9) << t;
    EXPECT_EQ(h265::IsBla(t), t >= 16 && t <= 18) << t;
    EXPECT_EQ(h265::IsParameterSet(t), t >= 32 && t <= 34) << t;
    EXPECT_EQ(h265::IsSei(t), t == 39 || t == 40) << t;
    EXPECT_EQ(h265::IsVcl(t), t < 32) << t;
  }
  EXPECT_TRUE(h265::IsCra(21));
}

}  // namespace
}  // namespace codec
}  // namespace kvs
