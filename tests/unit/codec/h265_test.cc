#include "kvscore/codec/h265.h"

#include <gtest/gtest.h>

#include "kvscore/codec/bit_reader.h"
#include "tests/unit/codec/bit_writer.h"
#include "tests/unit/test_support.h"

namespace kvs {
namespace codec {
namespace {

using kvs_test::BitWriter;
using kvs_test::FromHex;

const char kVps[] = "40 01 0c01ffff";  // nal_unit_type 32 (not parsed)
const char kPps[] = "44 01 c172b462";  // nal_unit_type 34

struct SpsFields {
  int profile_idc = 1;
  int level_idc = 93;
  int max_sub_layers_minus1 = 0;
  bool sub_layer_profile = false;
  bool sub_layer_level = false;
  int chroma = 1;
  bool separate_colour_plane = false;
  uint32_t width = 1920, height = 1080;
  bool conformance = false;
  uint32_t conf[4] = {0, 0, 0, 0};  // left, right, top, bottom (chroma units)
  int bit_depth_minus8 = 0;
  int sps_id = 0;
};

// profile_tier_level(1, sps_max_sub_layers_minus1), H.265 7.3.3.
void WritePtl(BitWriter& w, const SpsFields& f) {
  w.Bits(2, 0)      // general_profile_space
      .Flag(false)  // general_tier_flag: Main tier
      .Bits(5, f.profile_idc)
      .Bits(32, 0x80000000u >> f.profile_idc)  // compatibility flag[idc]
      .Bits(48, 0x900000000000ull)             // progressive_source, frame_only
      .Byte(f.level_idc);
  const int m1 = f.max_sub_layers_minus1;
  for (int i = 0; i < m1; ++i) {
    w.Flag(f.sub_layer_profile).Flag(f.sub_layer_level);
  }
  if (m1 > 0) {
    for (int i = m1; i < 8; ++i) w.Bits(2, 0);  // reserved_zero_2bits
  }
  for (int i = 0; i < m1; ++i) {
    if (f.sub_layer_profile) w.Bits(44, 0x123).Bits(44, 0x456);  // 88 bits
    if (f.sub_layer_level) w.Byte(f.level_idc);
  }
}

// seq_parameter_set_rbsp() up to the bit depths (H.265 7.3.2.2.1), then a
// few more fields, as a NAL unit with header 42 01.
std::vector<uint8_t> SpsNal(const SpsFields& f) {
  BitWriter w;
  w.Bits(4, 0)                           // sps_video_parameter_set_id
      .Bits(3, f.max_sub_layers_minus1)  // sps_max_sub_layers_minus1
      .Flag(true);                       // sps_temporal_id_nesting_flag
  WritePtl(w, f);
  w.Ue(f.sps_id).Ue(f.chroma);
  if (f.chroma == 3) w.Flag(f.separate_colour_plane);
  w.Ue(f.width).Ue(f.height).Flag(f.conformance);
  if (f.conformance) {
    for (uint32_t c : f.conf) w.Ue(c);
  }
  w.Ue(f.bit_depth_minus8)
      .Ue(f.bit_depth_minus8)  // luma, chroma
      .Ue(4)                   // log2_max_poc_lsb_minus4
      .TrailingBits();
  std::vector<uint8_t> nal = {0x42, 0x01};
  const std::vector<uint8_t> escaped = EscapeRbsp(w.bytes());
  nal.insert(nal.end(), escaped.begin(), escaped.end());
  return nal;
}

SpsFields Main10With3SubLayers() {
  SpsFields f;
  f.profile_idc = 2;
  f.level_idc = 123;  // 4.1
  f.max_sub_layers_minus1 = 2;
  f.sub_layer_profile = true;
  f.sub_layer_level = true;
  f.width = 1920;
  f.height = 1088;
  f.conformance = true;
  f.conf[3] = 4;  // 4 x SubHeightC 2 = 8 rows
  f.bit_depth_minus8 = 2;
  return f;
}

TEST(H265SpsTest, SubLayersConformanceWindowBitDepth) {
  Result<H265SpsInfo> sps = ParseH265Sps(SpsNal(Main10With3SubLayers()));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->max_sub_layers, 3);
  EXPECT_TRUE(sps->temporal_id_nesting);
  EXPECT_EQ(sps->ptl.profile_idc, 2);
  EXPECT_EQ(sps->ptl.profile_compatibility_flags, 0x20000000u);
  EXPECT_EQ(sps->ptl.constraint_indicator_flags, 0x900000000000ull);
  EXPECT_EQ(sps->ptl.level_idc, 123);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(sps->coded_width, 1920u);
  EXPECT_EQ(sps->coded_height, 1088u);
  EXPECT_EQ(sps->conf_bottom, 8u);
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
  EXPECT_EQ(sps->bit_depth_luma, 10u);
  EXPECT_EQ(sps->bit_depth_chroma, 10u);
}

// Only the level of each sub-layer present: 8 bits each, no 88-bit profile.
TEST(H265SpsTest, SubLayerLevelOnly) {
  SpsFields f;
  f.max_sub_layers_minus1 = 6;
  f.sub_layer_level = true;
  f.width = 640;
  f.height = 360;
  Result<H265SpsInfo> sps = ParseH265Sps(SpsNal(f));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->max_sub_layers, 7);
  EXPECT_EQ(sps->width, 640u);
  EXPECT_EQ(sps->height, 360u);
}

// SubWidthC/SubHeightC (H.265 Table 6-1) scale the conformance window.
TEST(H265SpsTest, ConformanceUnitsFollowChromaFormat) {
  struct Case {
    int chroma;
    bool separate;
    uint32_t expect_w, expect_h;    // from 64x64 with offsets 1,1,1,1
  } cases[] = {{0, false, 62, 62},  // monochrome: 1 x 1
               {1, false, 60, 60},  // 4:2:0: 2 x 2
               {2, false, 60, 62},  // 4:2:2: 2 x 1
               {3, false, 62, 62},  // 4:4:4: 1 x 1
               {3, true, 62, 62}};  // separate planes: ChromaArrayType 0
  for (const Case& c : cases) {
    SpsFields f;
    f.chroma = c.chroma;
    f.separate_colour_plane = c.separate;
    f.width = f.height = 64;
    f.conformance = true;
    for (uint32_t& v : f.conf) v = 1;
    Result<H265SpsInfo> sps = ParseH265Sps(SpsNal(f));
    ASSERT_TRUE(sps.ok()) << c.chroma;
    EXPECT_EQ(sps->width, c.expect_w) << c.chroma;
    EXPECT_EQ(sps->height, c.expect_h) << c.chroma;
    EXPECT_EQ(sps->separate_colour_plane, c.separate);
  }
}

TEST(H265SpsTest, OutOfRangeFields) {
  auto code = [](SpsFields f) {
    return ParseH265Sps(SpsNal(f)).status().code();
  };
  SpsFields ok;
  EXPECT_EQ(code(ok), StatusCode::kOk);
  SpsFields f = ok;
  f.max_sub_layers_minus1 = 7;  // 0..6
  EXPECT_EQ(code(f), StatusCode::kInvalidCodecData);
  f = ok;
  f.sps_id = 16;  // 0..15
  EXPECT_EQ(code(f), StatusCode::kInvalidCodecData);
  f = ok;
  f.chroma = 4;
  EXPECT_EQ(code(f), StatusCode::kInvalidCodecData);
  f = ok;
  f.bit_depth_minus8 = 9;  // 0..8
  EXPECT_EQ(code(f), StatusCode::kInvalidCodecData);
  f = ok;
  f.width = 0;
  EXPECT_EQ(code(f), StatusCode::kInvalidCodecData);
  f = ok;
  f.height = 32769;
  EXPECT_EQ(code(f), StatusCode::kInvalidCodecData);
  f = ok;
  f.conformance = true;
  f.conf[0] = 480;  // 2 x 480 = 960 ...
  f.conf[1] = 480;  // ... + 960 = all 1920 columns
  EXPECT_EQ(code(f), StatusCode::kInvalidCodecData);
  f.conf[1] = 479;
  EXPECT_EQ(code(f), StatusCode::kOk);
  f.conf[1] = 0xffffffff;  // must not overflow
  EXPECT_EQ(code(f), StatusCode::kInvalidCodecData);
}

TEST(H265SpsTest, WrongTypeAndTruncation) {
  EXPECT_EQ(ParseH265Sps(FromHex(kPps)).status().code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(ParseH265Sps(FromHex("42")).status().code(),
            StatusCode::kInvalidCodecData);
  const std::vector<uint8_t> full = SpsNal(Main10With3SubLayers());
  ASSERT_TRUE(ParseH265Sps(full).ok());
  // Every cut before the bit depths is an error; the trailing fields
  // (log2_max_poc_lsb and the stop bit) are not read.
  int failures = 0;
  for (size_t n = 0; n < full.size(); ++n) {
    Result<H265SpsInfo> sps = ParseH265Sps(ByteSpan(full.data(), n));
    if (!sps.ok()) {
      ++failures;
      EXPECT_EQ(sps.status().code(), StatusCode::kInvalidCodecData);
    } else {
      EXPECT_EQ(sps->height, 1080u) << n;
    }
  }
  EXPECT_GE(failures, static_cast<int>(full.size()) - 1);
}

// video_parameter_set_rbsp() up to vps_timing_info (H.265 7.3.2.1).
std::vector<uint8_t> VpsNal(int max_sub_layers_minus1, uint32_t layer_sets_m1,
                            bool timing) {
  BitWriter w;
  w.Bits(4, 0)     // vps_video_parameter_set_id
      .Bits(2, 3)  // vps_base_layer_internal/available_flag
      .Bits(6, 0)  // vps_max_layers_minus1
      .Bits(3, max_sub_layers_minus1)
      .Flag(true)         // vps_temporal_id_nesting_flag
      .Bits(16, 0xffff);  // vps_reserved_0xffff_16bits
  SpsFields ptl;
  ptl.max_sub_layers_minus1 = max_sub_layers_minus1;
  ptl.sub_layer_level = true;
  WritePtl(w, ptl);
  w.Flag(true);  // vps_sub_layer_ordering_info_present_flag: for each layer
  for (int i = 0; i <= max_sub_layers_minus1; ++i) w.Ue(4).Ue(2).Ue(0);
  w.Bits(6, 1)             // vps_max_layer_id
      .Ue(layer_sets_m1);  // vps_num_layer_sets_minus1
  for (uint32_t i = 1; i <= layer_sets_m1; ++i) w.Bits(2, 3);  // 2 flags each
  w.Flag(timing);  // vps_timing_info_present_flag
  if (timing) w.Bits(32, 1001).Bits(32, 30000).Flag(false);
  w.TrailingBits();
  std::vector<uint8_t> nal = {0x40, 0x01};
  const std::vector<uint8_t> escaped = EscapeRbsp(w.bytes());
  nal.insert(nal.end(), escaped.begin(), escaped.end());
  return nal;
}

TEST(H265VpsTest, TimingGivesFrameRate) {
  Result<H265VpsInfo> vps = ParseH265Vps(VpsNal(2, 3, true));
  ASSERT_TRUE(vps.ok()) << vps.status().ToString();
  EXPECT_EQ(vps->max_sub_layers, 3);
  EXPECT_EQ(vps->ptl.profile_idc, 1);
  EXPECT_TRUE(vps->has_timing);
  EXPECT_EQ(vps->num_units_in_tick, 1001u);
  EXPECT_EQ(vps->time_scale, 30000u);
  EXPECT_EQ(vps->frame_rate_num, 30000u);  // E.3.1: no field factor in HEVC
  EXPECT_EQ(vps->frame_rate_den, 1001u);
  Result<H265VpsInfo> untimed = ParseH265Vps(VpsNal(0, 0, false));
  ASSERT_TRUE(untimed.ok()) << untimed.status().ToString();
  EXPECT_FALSE(untimed->has_timing);
  EXPECT_EQ(untimed->frame_rate_num, 0u);
}

TEST(H265VpsTest, Errors) {
  EXPECT_EQ(ParseH265Vps(FromHex(kPps)).status().code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(ParseH265Vps(VpsNal(7, 0, true)).status().code(),
            StatusCode::kInvalidCodecData);  // 0..6
  EXPECT_EQ(ParseH265Vps(VpsNal(0, 1024, true)).status().code(),
            StatusCode::kInvalidCodecData);  // 0..1023
  const std::vector<uint8_t> full = VpsNal(1, 1, true);
  for (size_t n = 0; n + 1 < full.size(); ++n) {  // the last byte: stop bit
    EXPECT_FALSE(ParseH265Vps(ByteSpan(full.data(), n)).ok()) << n;
  }
}

// ISO/IEC 14496-15 8.3.3.1.1, field by field.
TEST(HvcCTest, BuildByteExact) {
  const std::vector<uint8_t> vps = FromHex(kVps);
  const std::vector<uint8_t> sps = SpsNal(Main10With3SubLayers());
  const std::vector<uint8_t> pps = FromHex(kPps);
  Result<std::vector<uint8_t>> hvcc = BuildHvcC({vps}, {sps}, {pps});
  ASSERT_TRUE(hvcc.ok()) << hvcc.status().ToString();
  std::vector<uint8_t> expected = FromHex(
      "01"            // configurationVersion
      "02"            // profile_space 0, tier 0, profile_idc 2 (Main 10)
      "20000000"      // general_profile_compatibility_flags: flag[2]
      "900000000000"  // general_constraint_indicator_flags
      "7b"            // general_level_idc 123 (4.1)
      "f000"          // reserved 1111, min_spatial_segmentation_idc 0
      "fc"            // reserved 111111, parallelismType 0
      "fd"            // reserved 111111, chromaFormat 1
      "fa"            // reserved 11111, bitDepthLumaMinus8 2
      "fa"            // reserved 11111, bitDepthChromaMinus8 2
      "0000"          // avgFrameRate 0
      "1f"            // constantFrameRate 0, numTemporalLayers 3,
                      // temporalIdNested 1, lengthSizeMinusOne 3
      "03"            // numOfArrays
      "a0 0001 0006"  // array_completeness 1, VPS; 1 unit of 6 bytes
      "4001 0c01ffff");
  const std::vector<uint8_t> sps_array = {
      0xa1, 0x00, 0x01,  // completeness 1, SPS; 1 unit
      0x00, static_cast<uint8_t>(sps.size())};
  expected.insert(expected.end(), sps_array.begin(), sps_array.end());
  expected.insert(expected.end(), sps.begin(), sps.end());
  const std::vector<uint8_t> pps_array = FromHex("a2 0001 0006 4401c172b462");
  expected.insert(expected.end(), pps_array.begin(), pps_array.end());
  EXPECT_EQ(*hvcc, expected);
}

TEST(HvcCTest, ParseWhatWasBuilt) {
  const std::vector<uint8_t> sps = SpsNal(Main10With3SubLayers());
  const std::vector<uint8_t> sei = FromHex("4e01 0501ff80");  // prefix SEI
  Result<std::vector<uint8_t>> hvcc =
      BuildHvcC({FromHex(kVps)}, {sps}, {FromHex(kPps)}, {sei}, 2);
  ASSERT_TRUE(hvcc.ok());
  Result<HvcConfig> c = ParseHvcC(*hvcc);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->configuration_version, 1);
  EXPECT_EQ(c->ptl.profile_idc, 2);
  EXPECT_EQ(c->ptl.level_idc, 123);
  EXPECT_EQ(c->chroma_format, 1);
  EXPECT_EQ(c->bit_depth_luma, 10);
  EXPECT_EQ(c->num_temporal_layers, 3);
  EXPECT_TRUE(c->temporal_id_nested);
  EXPECT_EQ(c->nal_length_size, 2);
  ASSERT_EQ(c->arrays.size(), 4u);
  EXPECT_EQ(c->arrays[3].nal_unit_type, 39);
  EXPECT_TRUE(c->arrays[0].array_completeness);
  EXPECT_EQ(c->NalUnitsOfType(33), std::vector<std::vector<uint8_t>>{sps});
  EXPECT_EQ(c->NalUnitsOfType(39), std::vector<std::vector<uint8_t>>{sei});
  EXPECT_TRUE(c->NalUnitsOfType(40).empty());
}

// A 23-byte header with the given byte 0 (version) and byte 21 (frame
// rate / temporal layers / lengthSizeMinusOne), then `arrays` hex.
std::vector<uint8_t> Record(uint8_t version, uint8_t byte21,
                            const char* arrays) {
  std::vector<uint8_t> r =
      FromHex("00 01 60000000 900000000000 5d f000 fc fd f8 f8 0000 00");
  r[0] = version;
  r[21] = byte21;
  const std::vector<uint8_t> tail = FromHex(arrays);
  r.insert(r.end(), tail.begin(), tail.end());
  return r;
}

TEST(HvcCTest, MalformedRecords) {
  auto code = [](const std::vector<uint8_t>& r) {
    return ParseHvcC(r).status().code();
  };
  const char kOneVps[] = "01 a0 0001 0004 40010c01";
  EXPECT_EQ(code(Record(1, 0x0f, kOneVps)), StatusCode::kOk);
  EXPECT_EQ(code(Record(0, 0x0f, kOneVps)), StatusCode::kOk);  // pre-standard
  EXPECT_EQ(code(Record(2, 0x0f, kOneVps)), StatusCode::kInvalidCodecData);
  EXPECT_EQ(code(Record(1, 0x0e, kOneVps)),  // lengthSizeMinusOne 2
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code(Record(1, 0x0f, "02 a0 0001 0004 40010c01")),  // 2 arrays
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code(Record(1, 0x0f, "01 a0 0002 0004 40010c01")),  // 2 units
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code(Record(1, 0x0f, "01 a0 0001 0005 40010c01")),  // overrun
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code(Record(1, 0x0f, "01 a1 0001 0004 40010c01")),  // VPS in SPS
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code(Record(1, 0x0f, "01 a0 0001 0000")),  // empty unit
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code(Record(1, 0x0f, "ff a0 ffff")),  // oversize counts
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code(FromHex("01 01 60000000")), StatusCode::kInvalidCodecData);
}

TEST(HvcCTest, TruncatedAtEveryLength) {
  Result<std::vector<uint8_t>> hvcc = BuildHvcC(
      {FromHex(kVps)}, {SpsNal(Main10With3SubLayers())}, {FromHex(kPps)});
  ASSERT_TRUE(hvcc.ok());
  for (size_t n = 0; n < hvcc->size(); ++n) {
    EXPECT_EQ(ParseHvcC(ByteSpan(hvcc->data(), n)).status().code(),
              StatusCode::kInvalidCodecData)
        << n;
  }
  EXPECT_TRUE(ParseHvcC(*hvcc).ok());
}

TEST(HvcCTest, BuildRejectsBadInput) {
  const std::vector<uint8_t> vps = FromHex(kVps);
  const std::vector<uint8_t> sps = SpsNal(SpsFields());
  const std::vector<uint8_t> pps = FromHex(kPps);
  EXPECT_TRUE(BuildHvcC({vps}, {sps}, {pps}).ok());
  EXPECT_EQ(BuildHvcC({}, {sps}, {pps}).status().code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(BuildHvcC({vps}, {}, {pps}).status().code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(BuildHvcC({vps}, {sps}, {}).status().code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(BuildHvcC({sps}, {sps}, {pps}).status().code(),
            StatusCode::kInvalidCodecData);  // an SPS where the VPS goes
  EXPECT_EQ(BuildHvcC({vps}, {sps}, {pps}, {pps}).status().code(),
            StatusCode::kInvalidCodecData);  // a PPS as SEI
  EXPECT_EQ(BuildHvcC({vps}, {sps}, {pps}, {}, 3).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildHvcC({vps}, {FromHex("4201 01")}, {pps}).status().code(),
            StatusCode::kInvalidCodecData);  // SPS too short to parse
}

TEST(H265NamesTest, ProfilesAndLevels) {
  H265ProfileTierLevel ptl;
  ptl.profile_idc = 1;
  EXPECT_EQ(H265ProfileName(ptl), "Main");
  ptl.profile_idc = 2;
  EXPECT_EQ(H265ProfileName(ptl), "Main 10");
  ptl.profile_idc = 0;  // only the compatibility flags say which
  ptl.profile_compatibility_flags = 0x20000000;  // flag[2]
  EXPECT_EQ(H265ProfileName(ptl), "Main 10");
  ptl.profile_compatibility_flags = 0;
  EXPECT_EQ(H265ProfileName(ptl), "profile 0");
  EXPECT_EQ(H265LevelName(93), "3.1");
  EXPECT_EQ(H265LevelName(120), "4");
  EXPECT_EQ(H265LevelName(150), "5");
  EXPECT_EQ(H265LevelName(153), "5.1");
}

}  // namespace
}  // namespace codec
}  // namespace kvs
