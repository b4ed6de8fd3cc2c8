#include "kvscore/codec/h264.h"

#include <numeric>

#include "kvscore/codec/bit_reader.h"
#include "kvscore/codec/codec_util.h"
#include "kvscore/codec/nal.h"

namespace kvs {
namespace codec {
namespace {

constexpr uint32_t kMaxDimension = 32768;  // luma samples, either axis

// Profiles whose SPS carries chroma_format_idc .. scaling matrices
// (H.264 7.3.2.1.1, the `if( profile_idc = = 100 || ...` list).
bool HasChromaFields(uint8_t profile_idc) {
  switch (profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

// Profiles for which the avcC carries the High-profile extension
// (ISO/IEC 14496-15 5.3.3.1.2).
bool AvcCHasExtension(uint8_t profile_idc) {
  return profile_idc == 100 || profile_idc == 110 || profile_idc == 122 ||
         profile_idc == 144;
}

// scaling_list() of H.264 7.3.2.1.1.1, values discarded.
void SkipScalingList(BitReader& br, int size) {
  int last_scale = 8;
  int next_scale = 8;
  for (int j = 0; j < size && br.ok(); ++j) {
    if (next_scale != 0) {
      const int32_t delta = br.Se();
      if (delta < -128 || delta > 127) {  // delta_scale range, 7.4.2.1.1.1
        br.Fail();
        return;
      }
      next_scale = (last_scale + delta + 256) % 256;
    }
    last_scale = (next_scale == 0) ? last_scale : next_scale;
  }
}

Status ReadChromaFields(BitReader& br, H264SpsInfo* sps) {
  sps->chroma_format_idc = br.Ue();
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS chroma_format_idc", sps->chroma_format_idc, 0, 3));
  if (sps->chroma_format_idc == 3) sps->separate_colour_plane = br.Flag();
  const uint32_t luma_minus8 = br.Ue();
  const uint32_t chroma_minus8 = br.Ue();
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS bit_depth_luma_minus8", luma_minus8, 0, 6));
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS bit_depth_chroma_minus8", chroma_minus8, 0, 6));
  sps->bit_depth_luma = 8 + luma_minus8;
  sps->bit_depth_chroma = 8 + chroma_minus8;
  br.Skip(1);       // qpprime_y_zero_transform_bypass_flag
  if (br.Flag()) {  // seq_scaling_matrix_present_flag
    const int lists = (sps->chroma_format_idc != 3) ? 8 : 12;
    for (int i = 0; i < lists && br.ok(); ++i) {
      if (br.Flag()) SkipScalingList(br, i < 6 ? 16 : 64);
    }
  }
  return br.status("H.264 SPS scaling lists");
}

Status ReadPicOrderCnt(BitReader& br, H264SpsInfo* sps) {
  const uint32_t log2_max_frame_num_minus4 = br.Ue();
  KVS_RETURN_IF_ERROR(CheckRange("SPS log2_max_frame_num_minus4",
                                 log2_max_frame_num_minus4, 0, 12));
  sps->log2_max_frame_num = log2_max_frame_num_minus4 + 4;
  sps->pic_order_cnt_type = br.Ue();
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS pic_order_cnt_type", sps->pic_order_cnt_type, 0, 2));
  if (sps->pic_order_cnt_type == 0) {
    KVS_RETURN_IF_ERROR(
        CheckRange("SPS log2_max_pic_order_cnt_lsb_minus4", br.Ue(), 0, 12));
  } else if (sps->pic_order_cnt_type == 1) {
    br.Skip(1);  // delta_pic_order_always_zero_flag
    br.Se();     // offset_for_non_ref_pic
    br.Se();     // offset_for_top_to_bottom_field
    const uint32_t cycle = br.Ue();
    KVS_RETURN_IF_ERROR(
        CheckRange("SPS num_ref_frames_in_pic_order_cnt_cycle", cycle, 0, 255));
    for (uint32_t i = 0; i < cycle && br.ok(); ++i) br.Se();
  }
  sps->max_num_ref_frames = br.Ue();
  br.Skip(1);  // gaps_in_frame_num_value_allowed_flag
  return br.status("H.264 SPS pic_order_cnt");
}

// frame_cropping: offsets in CropUnitX/Y (H.264 equations 7-19..7-22).
Status ReadCropping(BitReader& br, H264SpsInfo* sps) {
  const uint32_t chroma_array_type =
      sps->separate_colour_plane ? 0 : sps->chroma_format_idc;
  const uint64_t sub_width =
      (chroma_array_type == 1 || chroma_array_type == 2) ? 2 : 1;
  const uint64_t sub_height = (chroma_array_type == 1) ? 2 : 1;
  const uint64_t unit_x = sub_width;  // 1 when ChromaArrayType is 0
  const uint64_t unit_y = sub_height * (sps->frame_mbs_only ? 1 : 2);
  uint64_t c[4];
  for (uint64_t& v : c) v = br.Ue();
  KVS_RETURN_IF_ERROR(br.status("H.264 SPS cropping"));
  if ((c[0] + c[1]) * unit_x >= sps->coded_width ||
      (c[2] + c[3]) * unit_y >= sps->coded_height) {
    return Status(StatusCode::kInvalidCodecData,
                  "H.264 SPS: cropping leaves no picture");
  }
  sps->crop_left = static_cast<uint32_t>(c[0] * unit_x);
  sps->crop_right = static_cast<uint32_t>(c[1] * unit_x);
  sps->crop_top = static_cast<uint32_t>(c[2] * unit_y);
  sps->crop_bottom = static_cast<uint32_t>(c[3] * unit_y);
  return Status::Ok();
}

Status ReadFrameSize(BitReader& br, H264SpsInfo* sps) {
  const uint64_t width_mbs = uint64_t{br.Ue()} + 1;
  const uint64_t height_map_units = uint64_t{br.Ue()} + 1;
  sps->frame_mbs_only = br.Flag();
  if (!sps->frame_mbs_only) br.Skip(1);  // mb_adaptive_frame_field_flag
  br.Skip(1);                            // direct_8x8_inference_flag
  KVS_RETURN_IF_ERROR(br.status("H.264 SPS frame size"));
  const uint64_t width = width_mbs * 16;
  const uint64_t height = height_map_units * 16 * (sps->frame_mbs_only ? 1 : 2);
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS pic width in luma samples", width, 16, kMaxDimension));
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS pic height in luma samples", height, 16, kMaxDimension));
  sps->coded_width = static_cast<uint32_t>(width);
  sps->coded_height = static_cast<uint32_t>(height);
  if (br.Flag()) {  // frame_cropping_flag
    KVS_RETURN_IF_ERROR(ReadCropping(br, sps));
  }
  sps->width = sps->coded_width - sps->crop_left - sps->crop_right;
  sps->height = sps->coded_height - sps->crop_top - sps->crop_bottom;
  return Status::Ok();
}

// Table E-1 sample aspect ratios for aspect_ratio_idc 1..16.
constexpr uint16_t kSampleAspect[17][2] = {
    {0, 0},   {1, 1},    {12, 11}, {10, 11}, {16, 11}, {40, 33},
    {24, 11}, {20, 11},  {32, 11}, {80, 33}, {18, 11}, {15, 11},
    {64, 33}, {160, 99}, {4, 3},   {3, 2},   {2, 1}};

// timing_info of vui_parameters() (E.1.1); the frame rate per E.2.1.
void ReadVuiTiming(BitReader& br, H264SpsInfo* sps) {
  const uint32_t units = br.Bits(32);
  const uint32_t scale = br.Bits(32);
  const bool fixed = br.Flag();
  if (!br.ok() || units == 0 || scale == 0) return;
  sps->has_vui_timing = true;
  sps->num_units_in_tick = units;
  sps->time_scale = scale;
  sps->fixed_frame_rate = fixed;
  const uint64_t den = uint64_t{units} * 2;  // a frame is two field ticks
  const uint64_t g = std::gcd(uint64_t{scale}, den);
  if (den / g > UINT32_MAX) return;  // not representable: leave 0/0
  sps->frame_rate_num = static_cast<uint32_t>(scale / g);
  sps->frame_rate_den = static_cast<uint32_t>(den / g);
}

// vui_parameters() (E.1.1) up to timing_info; later fields are not needed.
// Lenient: a VUI cut short keeps what was read before the cut.
void ReadVui(BitReader& br, H264SpsInfo* sps) {
  sps->has_vui = true;
  if (br.Flag()) {  // aspect_ratio_info_present_flag
    const uint32_t idc = br.Bits(8);
    if (idc == 255) {  // Extended_SAR
      sps->sar_width = br.Bits(16);
      sps->sar_height = br.Bits(16);
    } else if (idc <= 16) {
      sps->sar_width = kSampleAspect[idc][0];
      sps->sar_height = kSampleAspect[idc][1];
    }
  }
  if (br.Flag()) br.Skip(1);     // overscan_info_present / appropriate
  if (br.Flag()) {               // video_signal_type_present_flag
    br.Skip(4);                  // video_format, video_full_range_flag
    if (br.Flag()) br.Skip(24);  // colour description
  }
  if (br.Flag()) {  // chroma_loc_info_present_flag
    br.Ue();
    br.Ue();
  }
  if (br.ok() && br.Flag()) ReadVuiTiming(br, sps);
}

Status CheckNalType(ByteSpan nal, int type, const char* what) {
  if (h264::NalType(nal) != type) {
    return Status(StatusCode::kInvalidCodecData,
                  std::string(what) + ": NAL unit type " +
                      std::to_string(h264::NalType(nal)) + ", expected " +
                      std::to_string(type));
  }
  return Status::Ok();
}

// Reads `count` NAL units each preceded by a 16-bit length (avcC arrays).
Status ReadNalArray(BitReader& br, uint32_t count, int type,
                    std::vector<std::vector<uint8_t>>* out) {
  for (uint32_t i = 0; i < count; ++i) {
    Result<ByteSpan> nal = ReadLengthPrefixedUnit(br, "avcC");
    if (!nal.ok()) return nal.status();
    KVS_RETURN_IF_ERROR(CheckNalType(*nal, type, "avcC"));
    out->push_back(nal->ToVector());
  }
  return Status::Ok();
}

Status ReadAvcCExtension(BitReader& br, AvcConfig* config) {
  config->has_extension = true;
  br.Skip(6);  // reserved '111111'
  config->chroma_format = br.Bits(2);
  br.Skip(5);  // reserved '11111'
  config->bit_depth_luma = 8 + br.Bits(3);
  br.Skip(5);
  config->bit_depth_chroma = 8 + br.Bits(3);
  const uint32_t count = br.Bits(8);
  KVS_RETURN_IF_ERROR(br.status("avcC extension"));
  return ReadNalArray(br, count, h264::kSpsExtension, &config->sps_ext);
}

Status CheckBuildInput(const std::vector<std::vector<uint8_t>>& sps_list,
                       const std::vector<std::vector<uint8_t>>& pps_list) {
  if (sps_list.empty() || sps_list.size() > 31 || pps_list.size() > 255) {
    return Status(StatusCode::kInvalidCodecData,
                  "avcC needs 1..31 SPS and at most 255 PPS, got " +
                      std::to_string(sps_list.size()) + " and " +
                      std::to_string(pps_list.size()));
  }
  for (const auto& sps : sps_list) {
    KVS_RETURN_IF_ERROR(CheckUnitSize(sps, "avcC SPS"));
    KVS_RETURN_IF_ERROR(CheckNalType(sps, h264::kSps, "avcC SPS"));
  }
  for (const auto& pps : pps_list) {
    KVS_RETURN_IF_ERROR(CheckUnitSize(pps, "avcC PPS"));
    KVS_RETURN_IF_ERROR(CheckNalType(pps, h264::kPps, "avcC PPS"));
  }
  return Status::Ok();
}

}  // namespace

Result<H264SpsInfo> ParseH264Sps(ByteSpan nal) {
  KVS_RETURN_IF_ERROR(CheckNalType(nal, h264::kSps, "H.264 SPS"));
  const std::vector<uint8_t> rbsp = UnescapeRbsp(nal.subspan(1));
  BitReader br(rbsp);
  H264SpsInfo sps;
  sps.profile_idc = br.Bits(8);
  sps.constraint_flags = br.Bits(8);
  sps.level_idc = br.Bits(8);
  sps.sps_id = br.Ue();
  KVS_RETURN_IF_ERROR(br.status("H.264 SPS header"));
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS seq_parameter_set_id", sps.sps_id, 0, 31));
  if (HasChromaFields(sps.profile_idc)) {
    KVS_RETURN_IF_ERROR(ReadChromaFields(br, &sps));
  }
  KVS_RETURN_IF_ERROR(ReadPicOrderCnt(br, &sps));
  KVS_RETURN_IF_ERROR(ReadFrameSize(br, &sps));
  if (br.Flag()) ReadVui(br, &sps);  // vui_parameters_present_flag
  return sps;
}

Result<AvcConfig> ParseAvcC(ByteSpan avcc) {
  BitReader br(avcc);
  AvcConfig config;
  const uint32_t version = br.Bits(8);
  config.profile_idc = br.Bits(8);
  config.profile_compatibility = br.Bits(8);
  config.level_idc = br.Bits(8);
  br.Skip(6);  // reserved '111111'
  const uint32_t length_size_minus1 = br.Bits(2);
  br.Skip(3);  // reserved '111'
  const uint32_t sps_count = br.Bits(5);
  KVS_RETURN_IF_ERROR(br.status("avcC header"));
  if (version != 1) {
    return Status(StatusCode::kInvalidCodecData, "avcC configurationVersion " +
                                                     std::to_string(version) +
                                                     ", expected 1");
  }
  config.nal_length_size = static_cast<int>(length_size_minus1) + 1;
  if (!IsValidNalLengthSize(config.nal_length_size)) {
    return Status(StatusCode::kInvalidCodecData,
                  "avcC lengthSizeMinusOne 2 (3-byte NAL lengths) is invalid");
  }
  KVS_RETURN_IF_ERROR(ReadNalArray(br, sps_count, h264::kSps, &config.sps));
  const uint32_t pps_count = br.Bits(8);
  KVS_RETURN_IF_ERROR(br.status("avcC PPS count"));
  KVS_RETURN_IF_ERROR(ReadNalArray(br, pps_count, h264::kPps, &config.pps));
  if (AvcCHasExtension(config.profile_idc) && br.bits_left() >= 32) {
    KVS_RETURN_IF_ERROR(ReadAvcCExtension(br, &config));
  }
  return config;
}

Result<std::vector<uint8_t>> BuildAvcC(
    const std::vector<std::vector<uint8_t>>& sps_list,
    const std::vector<std::vector<uint8_t>>& pps_list, int nal_length_size) {
  if (!IsValidNalLengthSize(nal_length_size)) {
    return Status(StatusCode::kInvalidArgument,
                  "avcC nal_length_size must be 1, 2 or 4");
  }
  KVS_RETURN_IF_ERROR(CheckBuildInput(sps_list, pps_list));
  Result<H264SpsInfo> sps = ParseH264Sps(sps_list.front());
  if (!sps.ok()) return sps.status();
  std::vector<uint8_t> out = {
      1,  // configurationVersion
      sps->profile_idc,
      sps->constraint_flags,
      sps->level_idc,
      static_cast<uint8_t>(0xfc | (nal_length_size - 1)),
      static_cast<uint8_t>(0xe0 | sps_list.size())};
  for (const auto& unit : sps_list) AppendUnit16(&out, unit);
  out.push_back(static_cast<uint8_t>(pps_list.size()));
  for (const auto& unit : pps_list) AppendUnit16(&out, unit);
  if (AvcCHasExtension(sps->profile_idc)) {
    out.push_back(static_cast<uint8_t>(0xfc | sps->chroma_format_idc));
    out.push_back(static_cast<uint8_t>(0xf8 | (sps->bit_depth_luma - 8)));
    out.push_back(static_cast<uint8_t>(0xf8 | (sps->bit_depth_chroma - 8)));
    out.push_back(0);  // numOfSequenceParameterSetExt
  }
  return out;
}

std::string H264ProfileName(uint8_t profile_idc, uint8_t constraint_flags) {
  const bool set1 = constraint_flags & 0x40;
  const bool set3 = constraint_flags & 0x10;
  switch (profile_idc) {
    case 66:
      return set1 ? "Constrained Baseline" : "Baseline";
    case 77:
      return "Main";
    case 88:
      return "Extended";
    case 100:
      return "High";
    case 110:
      return set3 ? "High 10 Intra" : "High 10";
    case 122:
      return set3 ? "High 4:2:2 Intra" : "High 4:2:2";
    case 244:
      return set3 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive";
    case 44:
      return "CAVLC 4:4:4 Intra";
    default:
      return "profile " + std::to_string(profile_idc);
  }
}

std::string H264LevelName(uint8_t profile_idc, uint8_t constraint_flags,
                          uint8_t level_idc) {
  // Level 1b: level_idc 11 with constraint_set3 in Baseline/Main/Extended,
  // or level_idc 9 (A.3.1).
  const bool set3 = constraint_flags & 0x10;
  if (level_idc == 9 ||
      (level_idc == 11 && set3 &&
       (profile_idc == 66 || profile_idc == 77 || profile_idc == 88))) {
    return "1b";
  }
  return std::to_string(level_idc / 10) + "." + std::to_string(level_idc % 10);
}

}  // namespace codec
}  // namespace kvs
