#include "kvscore/codec/parameter_sets.h"

#include <gtest/gtest.h>

#include "kvscore/codec/h264.h"
#include "kvscore/codec/h265.h"
#include "tests/unit/test_support.h"

namespace kvs {
namespace codec {
namespace {

using kvs_test::FromHex;

// kvs_h264_high_640x480_25fps_nob.h264's SPS and PPS.
const char kSps[] =
    "67 64001e acb20140 7b602d41 80415000 00030010 00000303 28f162e4 80";
const char kPps[] = "68 ebccb22c";

std::vector<uint8_t> Concat(std::initializer_list<std::string> hex) {
  std::vector<uint8_t> out;
  for (const std::string& h : hex) {
    const std::vector<uint8_t> b = FromHex(h);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

TEST(ParameterSetsTest, H264AnnexBKeyFrame) {
  const std::vector<uint8_t> au =
      Concat({"00000001 0910",                 // AUD
              std::string("00000001") + kSps,  // SPS
              std::string("000001") + kPps,    // PPS
              std::string("000001") + kSps,    // the same SPS again
              "000001 658884 00"});            // IDR slice (+ zero byte)
  Result<ParameterSets> sets =
      FindParameterSets(VideoCodec::kH264, au, kAnnexB);
  ASSERT_TRUE(sets.ok());
  ASSERT_EQ(sets->sps.size(), 1u);  // exact duplicates dropped
  EXPECT_EQ(sets->sps[0], FromHex(kSps));
  ASSERT_EQ(sets->pps.size(), 1u);
  EXPECT_TRUE(sets->vps.empty());
  EXPECT_TRUE(sets->Complete(VideoCodec::kH264));
  EXPECT_FALSE(sets->Complete(VideoCodec::kH265));
  Result<AccessUnitInfo> info =
      InspectAccessUnit(VideoCodec::kH264, au, kAnnexB);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->key_frame);
  EXPECT_TRUE(info->idr);
  EXPECT_TRUE(info->has_aud);
  EXPECT_TRUE(info->has_parameter_sets);
  EXPECT_EQ(info->nal_count, 5);
  Result<std::vector<uint8_t>> cpd =
      BuildCodecPrivateFromAccessUnit(VideoCodec::kH264, au, kAnnexB);
  ASSERT_TRUE(cpd.ok()) << cpd.status().ToString();
  EXPECT_EQ(*cpd, *BuildAvcC({FromHex(kSps)}, {FromHex(kPps)}, 4));
}

TEST(ParameterSetsTest, H264LengthPrefixed) {
  const std::vector<uint8_t> sps = FromHex(kSps);
  std::vector<uint8_t> au = {0x00, static_cast<uint8_t>(sps.size())};
  au.insert(au.end(), sps.begin(), sps.end());
  const std::vector<uint8_t> rest = FromHex("0005 68ebccb22c 0003 658884");
  au.insert(au.end(), rest.begin(), rest.end());
  Result<std::vector<uint8_t>> cpd =
      BuildCodecPrivateFromAccessUnit(VideoCodec::kH264, au, 2, 2);
  ASSERT_TRUE(cpd.ok()) << cpd.status().ToString();
  Result<AvcConfig> avcc = ParseAvcC(*cpd);
  ASSERT_TRUE(avcc.ok());
  EXPECT_EQ(avcc->nal_length_size, 2);
  EXPECT_EQ(avcc->sps[0], sps);
  EXPECT_EQ(avcc->pps[0], FromHex(kPps));
  // The same bytes read as 4-byte lengths overrun.
  EXPECT_EQ(
      BuildCodecPrivateFromAccessUnit(VideoCodec::kH264, au, 4).status().code(),
      StatusCode::kInvalidFrame);
}

TEST(ParameterSetsTest, MissingParameterSets) {
  const std::vector<uint8_t> p_frame = FromHex("00000001 0910 000001 419a");
  Result<AccessUnitInfo> info =
      InspectAccessUnit(VideoCodec::kH264, p_frame, kAnnexB);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->key_frame);
  EXPECT_FALSE(info->has_parameter_sets);
  EXPECT_EQ(BuildCodecPrivateFromAccessUnit(VideoCodec::kH264, p_frame, kAnnexB)
                .status()
                .code(),
            StatusCode::kInvalidCodecData);
  const std::vector<uint8_t> sps_only =
      Concat({std::string("000001") + kSps, "000001 658884"});
  EXPECT_EQ(
      BuildCodecPrivateFromAccessUnit(VideoCodec::kH264, sps_only, kAnnexB)
          .status()
          .code(),
      StatusCode::kInvalidCodecData);
  EXPECT_EQ(SplitAccessUnit(FromHex("6764"), kAnnexB).status().code(),
            StatusCode::kInvalidFrame);
  EXPECT_EQ(SplitAccessUnit(FromHex("00"), 3).status().code(),
            StatusCode::kInvalidArgument);
  Result<std::vector<ByteSpan>> empty = SplitAccessUnit(ByteSpan(), kAnnexB);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

// An Annex-B codec_data (SPS and PPS with start codes, as some encoders
// set it) becomes a proper avcC.
TEST(ParameterSetsTest, AnnexBCodecDataBecomesAvcC) {
  const std::vector<uint8_t> codec_data =
      Concat({std::string("00000001") + kSps, std::string("00000001") + kPps});
  Result<std::vector<uint8_t>> avcc =
      BuildCodecPrivateFromAccessUnit(VideoCodec::kH264, codec_data, kAnnexB);
  ASSERT_TRUE(avcc.ok());
  EXPECT_EQ((*avcc)[0], 1);  // configurationVersion
  EXPECT_TRUE(ParseAvcC(*avcc).ok());
}

// Hostile input: 100000 distinct tiny "SPS" units. The lists stop at the
// standard's id counts, which also keeps the de-duplication linear.
TEST(ParameterSetsTest, ListsAreCapped) {
  std::vector<uint8_t> au;
  for (uint32_t i = 0; i < 100000; ++i) {
    const uint8_t unit[] = {0,
                            0,
                            1,
                            0x67,
                            static_cast<uint8_t>(i >> 16 | 0x80),
                            static_cast<uint8_t>(i >> 8),
                            static_cast<uint8_t>(i | 1)};
    au.insert(au.end(), unit, unit + sizeof(unit));
  }
  Result<ParameterSets> sets =
      FindParameterSets(VideoCodec::kH264, au, kAnnexB);
  ASSERT_TRUE(sets.ok());
  EXPECT_EQ(sets->sps.size(), 31u);
  Result<ParameterSets> hevc =
      FindParameterSets(VideoCodec::kH265, au, kAnnexB);
  ASSERT_TRUE(hevc.ok());
  EXPECT_TRUE(hevc->sps.empty());  // 0x67 is no H.265 parameter set type
}

TEST(ParameterSetsTest, H265OpenGopTypes) {
  // CRA (21) key frame, then a RASL_N (8) picture; types in bits 1..6.
  Result<AccessUnitInfo> cra = InspectAccessUnit(
      VideoCodec::kH265, FromHex("000001 2a01 af00"), kAnnexB);
  ASSERT_TRUE(cra.ok());
  EXPECT_TRUE(cra->key_frame);
  EXPECT_TRUE(cra->cra);
  EXPECT_FALSE(cra->idr);
  Result<AccessUnitInfo> rasl = InspectAccessUnit(
      VideoCodec::kH265, FromHex("000001 1001 c000"), kAnnexB);
  ASSERT_TRUE(rasl.ok());
  EXPECT_TRUE(rasl->rasl);
  EXPECT_FALSE(rasl->key_frame);
  Result<AccessUnitInfo> idr = InspectAccessUnit(
      VideoCodec::kH265, FromHex("0004 2801 af00"), 2);  // IDR_N_LP (20)
  ASSERT_TRUE(idr.ok());
  EXPECT_TRUE(idr->idr);
  EXPECT_TRUE(idr->key_frame);
}

TEST(ParameterSetsTest, H265NeedsVpsSpsAndPps) {
  // No VPS: only a (fake) SPS and PPS.
  const std::vector<uint8_t> au =
      FromHex("000001 4201 0101 000001 4401 c172 000001 2601 af");
  Result<ParameterSets> sets =
      FindParameterSets(VideoCodec::kH265, au, kAnnexB);
  ASSERT_TRUE(sets.ok());
  EXPECT_TRUE(sets->vps.empty());
  EXPECT_EQ(sets->sps.size(), 1u);
  EXPECT_EQ(sets->pps.size(), 1u);
  EXPECT_FALSE(sets->Complete(VideoCodec::kH265));
  EXPECT_EQ(BuildCodecPrivateFromAccessUnit(VideoCodec::kH265, au, kAnnexB)
                .status()
                .code(),
            StatusCode::kInvalidCodecData);
}

}  // namespace
}  // namespace codec
}  // namespace kvs
