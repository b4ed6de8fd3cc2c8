#include "kvscore/codec/bit_reader.h"

#include <gtest/gtest.h>

#include "tests/unit/codec/bit_writer.h"
#include "tests/unit/test_support.h"

namespace kvs {
namespace codec {
namespace {

using kvs_test::BitWriter;
using kvs_test::FromHex;

TEST(BitReaderTest, ReadsMostSignificantBitFirst) {
  const std::vector<uint8_t> in = {0xa5, 0x0f};  // 1010 0101 0000 1111
  BitReader br(in);
  EXPECT_EQ(br.Bits(1), 1u);
  EXPECT_EQ(br.Bits(3), 2u);  // 010
  EXPECT_EQ(br.Bits(4), 5u);  // 0101
  EXPECT_TRUE(br.byte_aligned());
  EXPECT_EQ(br.bits_left(), 8u);
  EXPECT_EQ(br.Bits(8), 0x0fu);
  EXPECT_TRUE(br.ok());
  EXPECT_EQ(br.bits_left(), 0u);
}

TEST(BitReaderTest, ReadPastEndFailsAndStaysFailed) {
  const std::vector<uint8_t> in = {0xff};
  BitReader br(in);
  EXPECT_EQ(br.Bits(4), 0xfu);
  EXPECT_EQ(br.Bits(5), 0u);  // only 4 left: fails, returns 0
  EXPECT_FALSE(br.ok());
  EXPECT_EQ(br.Bits(1), 0u);  // sticky, even though a bit would remain
  EXPECT_EQ(br.bits_left(), 0u);
  EXPECT_EQ(br.status("x").code(), StatusCode::kInvalidCodecData);
  EXPECT_EQ(br.status("x").message(), "x: truncated or malformed bitstream");
}

TEST(BitReaderTest, WideReads) {
  const std::vector<uint8_t> in = FromHex("0123456789abcdef");
  BitReader br(in);
  EXPECT_EQ(br.Bits(32), 0x01234567u);
  EXPECT_EQ(br.Bits64(32), 0x89abcdefu);
  BitReader br48(in);
  EXPECT_EQ(br48.Bits64(48), 0x0123456789abull);
  BitReader br33(in);
  EXPECT_EQ(br33.Bits(33), 0u);  // more than 32 bits into a uint32_t
  EXPECT_FALSE(br33.ok());
}

// Exp-Golomb code words of H.264 Table 9-2 and their values.
TEST(BitReaderTest, UnsignedExpGolomb) {
  BitWriter w;
  w.Bits(1, 0b1)            // 0
      .Bits(3, 0b010)       // 1
      .Bits(3, 0b011)       // 2
      .Bits(5, 0b00100)     // 3
      .Bits(5, 0b00111)     // 6
      .Bits(7, 0b0001000);  // 7
  const std::vector<uint8_t> in = w.bytes();
  BitReader br(in);
  for (uint32_t expected : {0u, 1u, 2u, 3u, 6u, 7u}) {
    EXPECT_EQ(br.Ue(), expected);
  }
  EXPECT_TRUE(br.ok());
}

// Table 9-3: codeNum k maps to (-1)^(k+1) * Ceil(k / 2).
TEST(BitReaderTest, SignedExpGolomb) {
  BitWriter w;
  for (uint32_t k : {0u, 1u, 2u, 3u, 4u}) w.Ue(k);
  const std::vector<uint8_t> in = w.bytes();
  BitReader br(in);
  for (int32_t expected : {0, 1, -1, 2, -2}) EXPECT_EQ(br.Se(), expected);
  EXPECT_TRUE(br.ok());
}

TEST(BitReaderTest, ExpGolombLimits) {
  // 31 leading zeros, the marker, then 31 ones: 2^32 - 2, the largest value.
  BitWriter max;
  max.Bits(31, 0).Bits(1, 1).Bits(31, 0x7fffffff);
  std::vector<uint8_t> in = max.bytes();
  BitReader br(in);
  EXPECT_EQ(br.Ue(), 4294967294u);
  EXPECT_TRUE(br.ok());
  BitReader se(in);
  EXPECT_EQ(se.Se(), -2147483647);  // k even: -(k / 2)
  // 32 leading zeros do not fit in 32 bits.
  BitWriter too_long;
  too_long.Bits(32, 0).Bits(1, 1).Bits(32, 0);
  in = too_long.bytes();
  BitReader br2(in);
  EXPECT_EQ(br2.Ue(), 0u);
  EXPECT_FALSE(br2.ok());
}

TEST(BitReaderTest, ExpGolombRunningOffTheEndFails) {
  const std::vector<uint8_t> zeros(4, 0);  // no marker bit ever comes
  BitReader br(zeros);
  EXPECT_EQ(br.Ue(), 0u);
  EXPECT_FALSE(br.ok());
  const std::vector<uint8_t> cut = {0x02};  // 0000 001 then 1 of 6 bits
  BitReader br2(cut);
  br2.Ue();
  EXPECT_FALSE(br2.ok());
}

TEST(BitReaderTest, ReadBytesNeedsAlignment) {
  const std::vector<uint8_t> in = FromHex("aabbcc");
  BitReader br(in);
  ByteSpan two = br.ReadBytes(2);
  ASSERT_EQ(two.size, 2u);
  EXPECT_EQ(two[0], 0xaa);
  EXPECT_EQ(two[1], 0xbb);
  EXPECT_TRUE(br.ReadBytes(2).empty());  // only 1 left
  EXPECT_FALSE(br.ok());
  BitReader unaligned(in);
  unaligned.Bits(1);
  EXPECT_TRUE(unaligned.ReadBytes(1).empty());
  EXPECT_FALSE(unaligned.ok());
}

TEST(BitReaderTest, SkipAndAlign) {
  const std::vector<uint8_t> in = FromHex("ff00");
  BitReader br(in);
  br.Skip(3);
  br.AlignToByte();
  EXPECT_EQ(br.position(), 8u);
  br.AlignToByte();  // already aligned: no-op
  EXPECT_EQ(br.position(), 8u);
  br.Skip(9);
  EXPECT_FALSE(br.ok());
}

TEST(BitReaderTest, RbspTrailingBits) {
  // 101 00000, then rbsp_stop_one_bit and alignment zeros: 1 0000000.
  const std::vector<uint8_t> in = {0xa0, 0x80};
  BitReader br(in);
  br.Bits(3);
  EXPECT_FALSE(br.AtRbspTrailingBits());  // 00000 of data remain
  br.Bits(5);
  EXPECT_TRUE(br.AtRbspTrailingBits());
}

// H.264 7.4.1: emulation_prevention_three_byte is dropped from the RBSP.
TEST(RbspTest, Unescape) {
  EXPECT_EQ(UnescapeRbsp(FromHex("00 00 03 01")), FromHex("00 00 01"));
  EXPECT_EQ(UnescapeRbsp(FromHex("00 00 03 03")), FromHex("00 00 03"));
  EXPECT_EQ(UnescapeRbsp(FromHex("00 00 03 00 00 03")), FromHex("00 00 00 00"));
  // A single zero before 03 is no emulation prevention.
  EXPECT_EQ(UnescapeRbsp(FromHex("00 03 00")), FromHex("00 03 00"));
  EXPECT_EQ(UnescapeRbsp(FromHex("00 00 00 03")), FromHex("00 00 00"));
  EXPECT_TRUE(UnescapeRbsp(ByteSpan()).empty());
}

TEST(RbspTest, EscapeIsTheInverse) {
  EXPECT_EQ(EscapeRbsp(FromHex("00 00 00")), FromHex("00 00 03 00"));
  EXPECT_EQ(EscapeRbsp(FromHex("00 00 01")), FromHex("00 00 03 01"));
  EXPECT_EQ(EscapeRbsp(FromHex("00 00 04")), FromHex("00 00 04"));
  EXPECT_EQ(EscapeRbsp(FromHex("00 00 00 00")), FromHex("00 00 03 00 00"));
  const std::vector<uint8_t> tricky = FromHex("00 00 03 00 00 00 01 00 00");
  EXPECT_EQ(UnescapeRbsp(EscapeRbsp(tricky)), tricky);
}

}  // namespace
}  // namespace codec
}  // namespace kvs
