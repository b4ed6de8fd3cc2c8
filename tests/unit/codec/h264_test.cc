#include "kvscore/codec/h264.h"

#include <gtest/gtest.h>

#include "kvscore/codec/bit_reader.h"
#include "tests/unit/codec/bit_writer.h"
#include "tests/unit/test_support.h"

namespace kvs {
namespace codec {
namespace {

using kvs_test::BitWriter;
using kvs_test::FromHex;

// SPS of kvs_h264_high_640x480_25fps_nob.h264 (x264, High, level 3.0),
// with its emulation prevention bytes (the 03 of "00 00 03").
const char kRealSps[] =
    "67 64001e acb20140 7b602d41 80415000 00030010 00000303 28f162e4 80";
const char kRealPps[] = "68 ebccb22c";

// A NAL unit: header byte 0x67, then the RBSP with emulation prevention.
std::vector<uint8_t> SpsNal(BitWriter& rbsp) {
  rbsp.TrailingBits();
  std::vector<uint8_t> nal = {0x67};
  const std::vector<uint8_t> escaped = EscapeRbsp(rbsp.bytes());
  nal.insert(nal.end(), escaped.begin(), escaped.end());
  return nal;
}

// Constrained Baseline 1920x1080: 120x68 macroblocks (1088 rows) cropped by
// 4 units of 2 rows at the bottom. Frame rate 30000/1001 in the VUI.
std::vector<uint8_t> Baseline1080pSps() {
  BitWriter w;
  w.Byte(66)        // profile_idc: Baseline
      .Byte(0xc0)   // constraint_set0_flag, constraint_set1_flag
      .Byte(40)     // level_idc 4.0
      .Ue(0)        // seq_parameter_set_id
      .Ue(0)        // log2_max_frame_num_minus4
      .Ue(2)        // pic_order_cnt_type
      .Ue(1)        // max_num_ref_frames
      .Flag(false)  // gaps_in_frame_num_value_allowed_flag
      .Ue(119)      // pic_width_in_mbs_minus1: 120 MBs = 1920
      .Ue(67)       // pic_height_in_map_units_minus1: 68 MBs = 1088
      .Flag(true)   // frame_mbs_only_flag
      .Flag(true)   // direct_8x8_inference_flag
      .Flag(true)   // frame_cropping_flag
      .Ue(0)
      .Ue(0)  // frame_crop_left/right_offset
      .Ue(0)
      .Ue(4)            // frame_crop_top/bottom_offset: 4 x CropUnitY 2 = 8
      .Flag(true)       // vui_parameters_present_flag
      .Flag(true)       // aspect_ratio_info_present_flag
      .Byte(1)          // aspect_ratio_idc 1: 1:1
      .Flag(false)      // overscan_info_present_flag
      .Flag(false)      // video_signal_type_present_flag
      .Flag(false)      // chroma_loc_info_present_flag
      .Flag(true)       // timing_info_present_flag
      .Bits(32, 1001)   // num_units_in_tick
      .Bits(32, 60000)  // time_scale
      .Flag(true)       // fixed_frame_rate_flag
      .Flag(false)      // nal_hrd_parameters_present_flag
      .Flag(false)      // vcl_hrd_parameters_present_flag
      .Flag(false)      // pic_struct_present_flag
      .Flag(false);     // bitstream_restriction_flag
  return SpsNal(w);
}

TEST(H264SpsTest, RealX264Sps) {
  Result<H264SpsInfo> sps = ParseH264Sps(FromHex(kRealSps));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->profile_idc, 100);
  EXPECT_EQ(sps->constraint_flags, 0);
  EXPECT_EQ(sps->level_idc, 30);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(sps->bit_depth_luma, 8u);
  EXPECT_EQ(sps->pic_order_cnt_type, 2u);  // no B-frames
  EXPECT_TRUE(sps->frame_mbs_only);
  EXPECT_EQ(sps->width, 640u);
  EXPECT_EQ(sps->height, 480u);
  EXPECT_EQ(sps->crop_bottom, 0u);
  EXPECT_TRUE(sps->has_vui_timing);
  EXPECT_EQ(sps->num_units_in_tick, 1u);
  EXPECT_EQ(sps->time_scale, 50u);  // field rate: 25 fps
  EXPECT_EQ(sps->frame_rate_num, 25u);
  EXPECT_EQ(sps->frame_rate_den, 1u);
}

TEST(H264SpsTest, CroppingAndVuiTiming) {
  Result<H264SpsInfo> sps = ParseH264Sps(Baseline1080pSps());
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->coded_width, 1920u);
  EXPECT_EQ(sps->coded_height, 1088u);
  EXPECT_EQ(sps->crop_bottom, 8u);
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
  EXPECT_EQ(sps->sar_width, 1u);
  EXPECT_EQ(sps->sar_height, 1u);
  EXPECT_TRUE(sps->fixed_frame_rate);
  EXPECT_EQ(sps->frame_rate_num, 30000u);  // 60000 / (2 x 1001)
  EXPECT_EQ(sps->frame_rate_den, 1001u);
  EXPECT_EQ(H264ProfileName(sps->profile_idc, sps->constraint_flags),
            "Constrained Baseline");
}

// High 4:2:2 10-bit with scaling matrices: the lists must be skipped
// exactly for the fields after them to come out right.
TEST(H264SpsTest, ScalingListsAreSkipped) {
  BitWriter w;
  w.Byte(122)
      .Byte(0)
      .Byte(41)  // High 4:2:2, level 4.1
      .Ue(3)     // seq_parameter_set_id
      .Ue(2)     // chroma_format_idc 4:2:2
      .Ue(2)
      .Ue(2)        // bit_depth_luma/chroma_minus8: 10-bit
      .Flag(false)  // qpprime_y_zero_transform_bypass_flag
      .Flag(true);  // seq_scaling_matrix_present_flag
  // 8 lists (chroma_format_idc != 3). List 0: 16 deltas; list 1: a delta
  // that makes nextScale 0 (use the default list, no more deltas); lists
  // 2..5 absent; list 6: 64 deltas; list 7 absent.
  w.Flag(true);
  for (int j = 0; j < 16; ++j) w.Se(j % 2 ? 3 : -3);
  w.Flag(true).Se(-8);  // 8 + (-8) = 0: useDefaultScalingMatrixFlag
  for (int i = 2; i < 6; ++i) w.Flag(false);
  w.Flag(true);
  for (int j = 0; j < 64; ++j) w.Se(j == 0 ? 127 : -1);
  w.Flag(false);
  w.Ue(4)  // log2_max_frame_num_minus4
      .Ue(0)
      .Ue(2)  // pic_order_cnt_type 0, log2_max_poc_lsb_minus4
      .Ue(4)
      .Flag(false)
      .Ue(79)
      .Ue(44)  // 80 x 45 MBs = 1280 x 720
      .Flag(true)
      .Flag(true)
      .Flag(false)   // no cropping
      .Flag(false);  // no VUI
  Result<H264SpsInfo> sps = ParseH264Sps(SpsNal(w));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->sps_id, 3u);
  EXPECT_EQ(sps->chroma_format_idc, 2u);
  EXPECT_EQ(sps->bit_depth_luma, 10u);
  EXPECT_EQ(sps->bit_depth_chroma, 10u);
  EXPECT_EQ(sps->log2_max_frame_num, 8u);
  EXPECT_EQ(sps->max_num_ref_frames, 4u);
  EXPECT_EQ(sps->width, 1280u);
  EXPECT_EQ(sps->height, 720u);
  EXPECT_FALSE(sps->has_vui);
  EXPECT_EQ(H264ProfileName(122, 0), "High 4:2:2");
}

TEST(H264SpsTest, DeltaScaleOutOfRangeIsAnError) {
  BitWriter w;
  w.Byte(100)
      .Byte(0)
      .Byte(30)
      .Ue(0)
      .Ue(1)
      .Ue(0)
      .Ue(0)
      .Flag(false)
      .Flag(true)                        // seq_scaling_matrix_present_flag
      .Flag(true)                        // list 0 present
      .Se(128);                          // delta_scale must be -128..127
  for (int j = 0; j < 40; ++j) w.Ue(0);  // plenty of bits after it
  Result<H264SpsInfo> sps = ParseH264Sps(SpsNal(w));
  EXPECT_EQ(sps.status().code(), StatusCode::kInvalidCodecData);
}

// Interlaced 1080i: 34 map units of 2 x 16 rows, cropped by 2 units of
// CropUnitY = SubHeightC 2 x (2 - frame_mbs_only 0) = 4 rows.
TEST(H264SpsTest, FieldCodingDoublesHeightAndCropUnit) {
  BitWriter w;
  w.Byte(77)
      .Byte(0)
      .Byte(40)
      .Ue(0)        // Main 4.0
      .Ue(0)        // log2_max_frame_num_minus4
      .Ue(1)        // pic_order_cnt_type 1
      .Flag(false)  // delta_pic_order_always_zero_flag
      .Se(-2)
      .Se(1)  // offset_for_non_ref_pic, _top_to_bottom_field
      .Ue(3)  // num_ref_frames_in_pic_order_cnt_cycle
      .Se(4)
      .Se(-4)
      .Se(0)  // offset_for_ref_frame[0..2]
      .Ue(2)
      .Flag(false)
      .Ue(119)
      .Ue(33)       // 120 MBs wide, 34 map units
      .Flag(false)  // frame_mbs_only_flag: fields possible
      .Flag(true)   // mb_adaptive_frame_field_flag
      .Flag(true)
      .Flag(true)
      .Ue(0)
      .Ue(0)
      .Ue(0)
      .Ue(2)  // crop bottom 2 units
      .Flag(false);
  Result<H264SpsInfo> sps = ParseH264Sps(SpsNal(w));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_FALSE(sps->frame_mbs_only);
  EXPECT_EQ(sps->pic_order_cnt_type, 1u);
  EXPECT_EQ(sps->coded_height, 1088u);
  EXPECT_EQ(sps->crop_bottom, 8u);
  EXPECT_EQ(sps->height, 1080u);
}

// 4:4:4 with separate colour planes has ChromaArrayType 0: CropUnitX 1.
TEST(H264SpsTest, SeparateColourPlaneCropUnits) {
  BitWriter w;
  w.Byte(244)
      .Byte(0)
      .Byte(50)
      .Ue(0)
      .Ue(3)
      .Flag(true)  // chroma_format_idc 3, separate_colour_plane
      .Ue(0)
      .Ue(0)
      .Flag(false)
      .Flag(false)
      .Ue(0)
      .Ue(2)
      .Ue(1)
      .Flag(false)
      .Ue(1)
      .Ue(1)  // 32 x 32
      .Flag(true)
      .Flag(true)
      .Flag(true)
      .Ue(1)
      .Ue(2)
      .Ue(3)
      .Ue(4)  // crop 1 + 2 cols, 3 + 4 rows
      .Flag(false);
  Result<H264SpsInfo> sps = ParseH264Sps(SpsNal(w));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_TRUE(sps->separate_colour_plane);
  EXPECT_EQ(sps->width, 32u - 3u);
  EXPECT_EQ(sps->height, 32u - 7u);
}

TEST(H264SpsTest, VuiExtendedSarAndTruncatedVui) {
  BitWriter w;
  w.Byte(66)
      .Byte(0)
      .Byte(30)
      .Ue(0)
      .Ue(0)
      .Ue(2)
      .Ue(1)
      .Flag(false)
      .Ue(39)
      .Ue(29)
      .Flag(true)
      .Flag(true)
      .Flag(false)  // 640 x 480
      .Flag(true)   // vui_parameters_present_flag
      .Flag(true)
      .Byte(255)  // aspect_ratio_idc Extended_SAR
      .Bits(16, 4)
      .Bits(16, 3)   // sar_width 4, sar_height 3
      .Flag(false);  // overscan; then the VUI stops short
  std::vector<uint8_t> nal = {0x67};
  const std::vector<uint8_t> body = w.bytes();
  nal.insert(nal.end(), body.begin(), body.end());
  Result<H264SpsInfo> sps = ParseH264Sps(nal);
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->width, 640u);
  EXPECT_TRUE(sps->has_vui);
  EXPECT_EQ(sps->sar_width, 4u);
  EXPECT_EQ(sps->sar_height, 3u);
  EXPECT_FALSE(sps->has_vui_timing);
  EXPECT_EQ(sps->frame_rate_num, 0u);
}

// Each field outside its range in H.264 7.4.2.1.1 is rejected.
TEST(H264SpsTest, OutOfRangeFields) {
  auto sps_with = [](uint32_t sps_id, uint32_t chroma, uint32_t depth,
                     uint32_t log2_frame_num, uint32_t poc_type) {
    BitWriter w;
    w.Byte(100)
        .Byte(0)
        .Byte(30)
        .Ue(sps_id)
        .Ue(chroma)
        .Ue(depth)
        .Ue(0)
        .Flag(false)
        .Flag(false)
        .Ue(log2_frame_num)
        .Ue(poc_type);
    if (poc_type == 0) w.Ue(0);
    w.Ue(1).Flag(false).Ue(39).Ue(29).Flag(true).Flag(true).Flag(false).Flag(
        false);
    return ParseH264Sps(SpsNal(w)).status().code();
  };
  EXPECT_EQ(sps_with(0, 1, 0, 0, 0), StatusCode::kOk);
  EXPECT_EQ(sps_with(32, 1, 0, 0, 0), StatusCode::kInvalidCodecData);
  EXPECT_EQ(sps_with(0, 4, 0, 0, 0), StatusCode::kInvalidCodecData);
  EXPECT_EQ(sps_with(0, 1, 7, 0, 0), StatusCode::kInvalidCodecData);
  EXPECT_EQ(sps_with(0, 1, 0, 13, 0), StatusCode::kInvalidCodecData);
  EXPECT_EQ(sps_with(0, 1, 0, 0, 3), StatusCode::kInvalidCodecData);
}

TEST(H264SpsTest, SizeLimitsAndCropping) {
  auto sps_with = [](uint32_t width_mbs_minus1, uint32_t crop_right) {
    BitWriter w;
    w.Byte(66)
        .Byte(0)
        .Byte(30)
        .Ue(0)
        .Ue(0)
        .Ue(2)
        .Ue(1)
        .Flag(false)
        .Ue(width_mbs_minus1)
        .Ue(0)
        .Flag(true)
        .Flag(true)
        .Flag(true)
        .Ue(0)
        .Ue(crop_right)
        .Ue(0)
        .Ue(0)
        .Flag(false);
    return ParseH264Sps(SpsNal(w));
  };
  EXPECT_TRUE(sps_with(2047, 0).ok());  // 32768 samples wide
  EXPECT_FALSE(sps_with(2048, 0).ok());
  EXPECT_FALSE(sps_with(0xfffffffe, 0).ok());  // must not overflow
  // Baseline 4:2:0: CropUnitX = SubWidthC = 2 columns per unit.
  EXPECT_EQ(sps_with(1, 7)->width, 32u - 14u);
  EXPECT_EQ(sps_with(1, 15)->width, 2u);
  EXPECT_FALSE(sps_with(1, 16).ok());  // 32 of 32 columns cropped
  EXPECT_FALSE(sps_with(1, 0xffffffff).ok());
}

TEST(H264SpsTest, WrongNalTypeAndEmpty) {
  EXPECT_EQ(ParseH264Sps(FromHex(kRealPps)).status().code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(ParseH264Sps(ByteSpan()).status().code(),
            StatusCode::kInvalidCodecData);
}

// Cut anywhere before the VUI, the SPS is an error; cut inside the VUI it
// still gives the picture size (the VUI is optional for packaging).
TEST(H264SpsTest, TruncatedAtEveryLength) {
  const std::vector<uint8_t> full = FromHex(kRealSps);
  for (size_t n = 0; n < full.size(); ++n) {
    Result<H264SpsInfo> sps = ParseH264Sps(ByteSpan(full.data(), n));
    if (n <= 8) {
      EXPECT_FALSE(sps.ok()) << n;
    } else if (sps.ok()) {
      EXPECT_EQ(sps->width, 640u) << n;
      EXPECT_EQ(sps->height, 480u) << n;
      EXPECT_FALSE(sps->has_vui_timing && n < 20) << n;
    }
  }
}

// ISO/IEC 14496-15 5.3.3.1: version, profile, compatibility, level,
// 6 reserved bits + lengthSizeMinusOne, 3 reserved + SPS count, SPS array,
// PPS count, PPS array.
TEST(AvcCTest, BuildBaselineByteExact) {
  const std::vector<uint8_t> sps = Baseline1080pSps();
  const std::vector<uint8_t> pps = FromHex("68ce3880");
  Result<std::vector<uint8_t>> avcc = BuildAvcC({sps}, {pps}, 4);
  ASSERT_TRUE(avcc.ok()) << avcc.status().ToString();
  std::vector<uint8_t> expected = {
      0x01,  // configurationVersion
      0x42,  // AVCProfileIndication 66
      0xc0,  // profile_compatibility (constraint flags)
      0x28,  // AVCLevelIndication 40
      0xff,  // reserved 111111, lengthSizeMinusOne 3
      0xe1,  // reserved 111, numOfSequenceParameterSets 1
      0x00, static_cast<uint8_t>(sps.size())};  // sequenceParameterSetLength
  expected.insert(expected.end(), sps.begin(), sps.end());
  const std::vector<uint8_t> tail = {0x01,        // numOfPictureParameterSets
                                     0x00, 0x04,  // pictureParameterSetLength
                                     0x68, 0xce, 0x38,
                                     0x80};  // PPS; Baseline: no extension
  expected.insert(expected.end(), tail.begin(), tail.end());
  EXPECT_EQ(*avcc, expected);
  // With 2-byte NAL lengths only lengthSizeMinusOne changes.
  Result<std::vector<uint8_t>> avcc2 = BuildAvcC({sps}, {pps}, 2);
  ASSERT_TRUE(avcc2.ok());
  expected[4] = 0xfd;
  EXPECT_EQ(*avcc2, expected);
}

TEST(AvcCTest, BuildHighWritesExtension) {
  const std::vector<uint8_t> sps = FromHex(kRealSps);
  const std::vector<uint8_t> pps = FromHex(kRealPps);
  Result<std::vector<uint8_t>> avcc = BuildAvcC({sps}, {pps});
  ASSERT_TRUE(avcc.ok());
  std::vector<uint8_t> expected = FromHex("01 64 00 1e ff e1");
  expected.push_back(0x00);
  expected.push_back(static_cast<uint8_t>(sps.size()));
  expected.insert(expected.end(), sps.begin(), sps.end());
  const std::vector<uint8_t> tail = FromHex(
      "01 0005 68ebccb22c"
      "fd"    // reserved 111111, chroma_format 1
      "f8"    // reserved 11111, bit_depth_luma_minus8 0
      "f8"    // reserved 11111, bit_depth_chroma_minus8 0
      "00");  // numOfSequenceParameterSetExt
  expected.insert(expected.end(), tail.begin(), tail.end());
  EXPECT_EQ(*avcc, expected);
  Result<AvcConfig> parsed = ParseAvcC(*avcc);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->has_extension);
  EXPECT_EQ(parsed->chroma_format, 1);
  EXPECT_EQ(parsed->bit_depth_luma, 8);
}

TEST(AvcCTest, ParseFields) {
  // Main profile, 1-byte lengths, 2 SPS (the second only needs its type
  // for the record), 1 PPS.
  const std::vector<uint8_t> avcc = FromHex(
      "01 4d 40 1f fc e2"  // v1, Main, 0x40, 3.1, lengthSizeMinusOne 0, 2 SPS
      "0003 674d40"        // SPS 1
      "0002 6701"          // SPS 2
      "01 0002 68ce");     // 1 PPS
  Result<AvcConfig> c = ParseAvcC(avcc);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->profile_idc, 77);
  EXPECT_EQ(c->profile_compatibility, 0x40);
  EXPECT_EQ(c->level_idc, 31);
  EXPECT_EQ(c->nal_length_size, 1);
  ASSERT_EQ(c->sps.size(), 2u);
  EXPECT_EQ(c->sps[1], FromHex("6701"));
  ASSERT_EQ(c->pps.size(), 1u);
  EXPECT_EQ(c->pps[0], FromHex("68ce"));
  EXPECT_FALSE(c->has_extension);
}

TEST(AvcCTest, ParseExtensionWithSpsExt) {
  const std::vector<uint8_t> avcc = FromHex(
      "01 6e 00 28 ff e1 0002 676e 01 0002 68ce"  // High 10
      "fe"                                        // chroma_format 2 (4:2:2)
      "fa"                                        // bit_depth_luma_minus8 2
      "fa"                                        // bit_depth_chroma_minus8 2
      "01 0002 6d01");                            // one SPS extension (type 13)
  Result<AvcConfig> c = ParseAvcC(avcc);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->has_extension);
  EXPECT_EQ(c->chroma_format, 2);
  EXPECT_EQ(c->bit_depth_luma, 10);
  EXPECT_EQ(c->bit_depth_chroma, 10);
  ASSERT_EQ(c->sps_ext.size(), 1u);
  EXPECT_EQ(c->sps_ext[0], FromHex("6d01"));
}

TEST(AvcCTest, MalformedRecords) {
  auto code = [](const char* hex) {
    return ParseAvcC(FromHex(hex)).status().code();
  };
  EXPECT_EQ(code("01 42 c0 1e ff e1 0002 6742 01 0002 68ce"), StatusCode::kOk);
  EXPECT_EQ(code("00 42 c0 1e ff e1 0002 6742 01 0002 68ce"),  // version 0
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code("02 42 c0 1e ff e1 0002 6742 01 0002 68ce"),  // version 2
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code("01 42 c0 1e fe e1 0002 6742 01 0002 68ce"),  // 3-byte len
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code("01 42 c0 1e ff e2 0002 6742 01 0002 68ce"),  // 2 SPS claimed
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code("01 42 c0 1e ff e1 0002 6742 ff 0002 68ce"),  // 255 PPS
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code("01 42 c0 1e ff e1 0002 6842 01 0002 68ce"),  // SPS is a PPS
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code("01 42 c0 1e ff e1 0000 01 0002 68ce"),  // empty SPS
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(code("01 42 c0 1e ff e1 ffff 6742"),  // SPS length overrun
            StatusCode::kInvalidCodecData);
  // avc3 may carry no parameter sets at all.
  EXPECT_EQ(code("01 42 c0 1e ff e0 00"), StatusCode::kOk);
}

TEST(AvcCTest, TruncatedAtEveryLength) {
  Result<std::vector<uint8_t>> avcc =
      BuildAvcC({FromHex(kRealSps)}, {FromHex(kRealPps)});
  ASSERT_TRUE(avcc.ok());
  const size_t without_ext = avcc->size() - 4;
  for (size_t n = 0; n < avcc->size(); ++n) {
    Result<AvcConfig> c = ParseAvcC(ByteSpan(avcc->data(), n));
    if (n < without_ext) {
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidCodecData) << n;
    } else {
      // A High-profile record cut inside its optional extension still
      // parses, without the extension.
      ASSERT_TRUE(c.ok()) << n;
      EXPECT_FALSE(c->has_extension) << n;
    }
  }
}

TEST(AvcCTest, BuildRejectsBadInput) {
  const std::vector<uint8_t> sps = FromHex(kRealSps);
  const std::vector<uint8_t> pps = FromHex(kRealPps);
  EXPECT_EQ(BuildAvcC({}, {pps}).status().code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(BuildAvcC({sps}, {pps}, 3).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildAvcC({pps}, {sps}).status().code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(BuildAvcC({sps}, {{}}).status().code(),
            StatusCode::kInvalidCodecData);
  std::vector<uint8_t> huge_pps(65536, 0x11);
  huge_pps[0] = 0x68;
  EXPECT_EQ(BuildAvcC({sps}, {huge_pps}).status().code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(BuildAvcC(std::vector<std::vector<uint8_t>>(32, sps), {pps})
                .status()
                .code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(BuildAvcC({FromHex("6764")}, {pps}).status().code(),
            StatusCode::kInvalidCodecData);  // SPS too short to parse
}

TEST(H264NamesTest, ProfilesAndLevels) {
  EXPECT_EQ(H264ProfileName(66, 0x00), "Baseline");
  EXPECT_EQ(H264ProfileName(77, 0x00), "Main");
  EXPECT_EQ(H264ProfileName(100, 0x00), "High");
  EXPECT_EQ(H264ProfileName(110, 0x10), "High 10 Intra");
  EXPECT_EQ(H264ProfileName(7, 0), "profile 7");
  EXPECT_EQ(H264LevelName(100, 0, 31), "3.1");
  EXPECT_EQ(H264LevelName(100, 0, 30), "3.0");
  EXPECT_EQ(H264LevelName(66, 0x10, 11), "1b");
  EXPECT_EQ(H264LevelName(100, 0x10, 11), "1.1");
  EXPECT_EQ(H264LevelName(100, 0, 9), "1b");
}

}  // namespace
}  // namespace codec
}  // namespace kvs
