#include "kvscore/codec/h265.h"

#include <numeric>

#include "kvscore/codec/bit_reader.h"
#include "kvscore/codec/codec_util.h"
#include "kvscore/codec/nal.h"

namespace kvs {
namespace codec {
namespace {

constexpr uint32_t kMaxDimension = 32768;  // luma samples, either axis
constexpr size_t kHvcCHeaderBytes = 23;

// The general_* fields of profile_tier_level() (H.265 7.3.3), which hvcC
// repeats in the same layout.
void ReadGeneralPtl(BitReader& br, H265ProfileTierLevel* ptl) {
  ptl->profile_space = br.Bits(2);
  ptl->tier_flag = br.Flag();
  ptl->profile_idc = br.Bits(5);
  ptl->profile_compatibility_flags = br.Bits(32);
  ptl->constraint_indicator_flags = br.Bits64(48);
  ptl->level_idc = br.Bits(8);
}

// The sub_layer part of profile_tier_level(1, max_sub_layers_minus1):
// 88 bits of profile and 8 bits of level per flagged sub-layer.
void SkipSubLayerPtl(BitReader& br, uint32_t max_sub_layers_minus1) {
  bool profile_present[8] = {};
  bool level_present[8] = {};
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = br.Flag();
    level_present[i] = br.Flag();
  }
  if (max_sub_layers_minus1 > 0) {
    br.Skip(2 * (8 - max_sub_layers_minus1));  // reserved_zero_2bits
  }
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) br.Skip(88);
    if (level_present[i]) br.Skip(8);
  }
}

Status CheckNalType(ByteSpan nal, int type, const char* what) {
  if (h265::NalType(nal) != type) {
    return Status(StatusCode::kInvalidCodecData,
                  std::string(what) + ": NAL unit type " +
                      std::to_string(h265::NalType(nal)) + ", expected " +
                      std::to_string(type));
  }
  return Status::Ok();
}

Status ReadPictureSize(BitReader& br, H265SpsInfo* sps) {
  sps->coded_width = br.Ue();
  sps->coded_height = br.Ue();
  KVS_RETURN_IF_ERROR(br.status("H.265 SPS picture size"));
  KVS_RETURN_IF_ERROR(CheckRange("SPS pic_width_in_luma_samples",
                                 sps->coded_width, 1, kMaxDimension));
  KVS_RETURN_IF_ERROR(CheckRange("SPS pic_height_in_luma_samples",
                                 sps->coded_height, 1, kMaxDimension));
  if (br.Flag()) {  // conformance_window_flag
    // SubWidthC / SubHeightC, H.265 Table 6-1.
    const uint32_t cat =
        sps->separate_colour_plane ? 0 : sps->chroma_format_idc;
    const uint64_t sub_w = (cat == 1 || cat == 2) ? 2 : 1;
    const uint64_t sub_h = (cat == 1) ? 2 : 1;
    uint64_t c[4];
    for (uint64_t& v : c) v = br.Ue();
    KVS_RETURN_IF_ERROR(br.status("H.265 SPS conformance window"));
    if ((c[0] + c[1]) * sub_w >= sps->coded_width ||
        (c[2] + c[3]) * sub_h >= sps->coded_height) {
      return Status(StatusCode::kInvalidCodecData,
                    "H.265 SPS: conformance window leaves no picture");
    }
    sps->conf_left = c[0] * sub_w;
    sps->conf_right = c[1] * sub_w;
    sps->conf_top = c[2] * sub_h;
    sps->conf_bottom = c[3] * sub_h;
  }
  sps->width = sps->coded_width - sps->conf_left - sps->conf_right;
  sps->height = sps->coded_height - sps->conf_top - sps->conf_bottom;
  return Status::Ok();
}

Status ReadHvcCHeader(BitReader& br, HvcConfig* c) {
  c->configuration_version = br.Bits(8);
  ReadGeneralPtl(br, &c->ptl);
  br.Skip(4);  // reserved '1111'
  c->min_spatial_segmentation_idc = br.Bits(12);
  br.Skip(6);
  c->parallelism_type = br.Bits(2);
  br.Skip(6);
  c->chroma_format = br.Bits(2);
  br.Skip(5);
  c->bit_depth_luma = 8 + br.Bits(3);
  br.Skip(5);
  c->bit_depth_chroma = 8 + br.Bits(3);
  c->avg_frame_rate = br.Bits(16);
  c->constant_frame_rate = br.Bits(2);
  c->num_temporal_layers = br.Bits(3);
  c->temporal_id_nested = br.Flag();
  c->nal_length_size = static_cast<int>(br.Bits(2)) + 1;
  KVS_RETURN_IF_ERROR(br.status("hvcC header"));
  if (c->configuration_version > 1) {
    return Status(StatusCode::kInvalidCodecData,
                  "hvcC configurationVersion " +
                      std::to_string(c->configuration_version) +
                      ", expected 1");
  }
  if (!IsValidNalLengthSize(c->nal_length_size)) {
    return Status(StatusCode::kInvalidCodecData,
                  "hvcC lengthSizeMinusOne 2 (3-byte NAL lengths) is invalid");
  }
  return Status::Ok();
}

Status ReadHvcArray(BitReader& br, HvcArray* array) {
  array->array_completeness = br.Flag();
  br.Skip(1);  // reserved
  array->nal_unit_type = br.Bits(6);
  const uint32_t count = br.Bits(16);
  KVS_RETURN_IF_ERROR(br.status("hvcC array header"));
  for (uint32_t i = 0; i < count; ++i) {
    Result<ByteSpan> nal = ReadLengthPrefixedUnit(br, "hvcC");
    if (!nal.ok()) return nal.status();
    KVS_RETURN_IF_ERROR(CheckNalType(*nal, array->nal_unit_type, "hvcC"));
    array->nal_units.push_back(nal->ToVector());
  }
  return Status::Ok();
}

Status CheckUnits(const std::vector<std::vector<uint8_t>>& units, int type,
                  const char* what, bool required) {
  if (required && units.empty()) {
    return Status(StatusCode::kInvalidCodecData,
                  std::string("hvcC needs at least one ") + what);
  }
  if (units.size() > 0xffff) {
    return Status(StatusCode::kInvalidCodecData,
                  std::string("hvcC: too many ") + what);
  }
  for (const auto& unit : units) {
    KVS_RETURN_IF_ERROR(CheckUnitSize(unit, what));
    if (type == h265::kPrefixSei) {
      if (!h265::IsSei(h265::NalType(unit))) {
        return Status(StatusCode::kInvalidCodecData, "hvcC: SEI expected");
      }
    } else {
      KVS_RETURN_IF_ERROR(CheckNalType(unit, type, what));
    }
  }
  return Status::Ok();
}

void AppendBits(std::vector<uint8_t>* out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
}

std::vector<uint8_t> HvcCHeader(const H265SpsInfo& sps, int nal_length_size) {
  const H265ProfileTierLevel& ptl = sps.ptl;
  std::vector<uint8_t> out = {1};  // configurationVersion
  out.push_back(static_cast<uint8_t>(
      ptl.profile_space << 6 | (ptl.tier_flag ? 0x20 : 0) | ptl.profile_idc));
  AppendBits(&out, ptl.profile_compatibility_flags, 4);
  AppendBits(&out, ptl.constraint_indicator_flags, 6);
  out.push_back(ptl.level_idc);
  AppendBits(&out, 0xf000, 2);  // reserved, min_spatial_segmentation_idc 0
  out.push_back(0xfc);          // reserved, parallelismType 0 (unknown)
  out.push_back(static_cast<uint8_t>(0xfc | sps.chroma_format_idc));
  out.push_back(static_cast<uint8_t>(0xf8 | (sps.bit_depth_luma - 8)));
  out.push_back(static_cast<uint8_t>(0xf8 | (sps.bit_depth_chroma - 8)));
  AppendBits(&out, 0, 2);  // avgFrameRate: unspecified
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, length size.
  out.push_back(static_cast<uint8_t>(sps.max_sub_layers << 3 |
                                     (sps.temporal_id_nesting ? 0x04 : 0) |
                                     (nal_length_size - 1)));
  return out;
}

void AppendArray(std::vector<uint8_t>* out, int type,
                 const std::vector<std::vector<uint8_t>>& units) {
  out->push_back(static_cast<uint8_t>(0x80 | type));  // array_completeness 1
  AppendBits(out, units.size(), 2);
  for (const auto& unit : units) AppendUnit16(out, unit);
}

}  // namespace

Result<H265SpsInfo> ParseH265Sps(ByteSpan nal) {
  KVS_RETURN_IF_ERROR(CheckNalType(nal, h265::kSps, "H.265 SPS"));
  const std::vector<uint8_t> rbsp = UnescapeRbsp(nal.subspan(2));
  BitReader br(rbsp);
  H265SpsInfo sps;
  sps.vps_id = br.Bits(4);
  const uint32_t max_sub_layers_minus1 = br.Bits(3);
  sps.temporal_id_nesting = br.Flag();
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS sps_max_sub_layers_minus1", max_sub_layers_minus1, 0, 6));
  sps.max_sub_layers = max_sub_layers_minus1 + 1;
  ReadGeneralPtl(br, &sps.ptl);
  SkipSubLayerPtl(br, max_sub_layers_minus1);
  sps.sps_id = br.Ue();
  sps.chroma_format_idc = br.Ue();
  KVS_RETURN_IF_ERROR(br.status("H.265 SPS profile_tier_level"));
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS sps_seq_parameter_set_id", sps.sps_id, 0, 15));
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS chroma_format_idc", sps.chroma_format_idc, 0, 3));
  if (sps.chroma_format_idc == 3) sps.separate_colour_plane = br.Flag();
  KVS_RETURN_IF_ERROR(ReadPictureSize(br, &sps));
  const uint32_t luma_minus8 = br.Ue();
  const uint32_t chroma_minus8 = br.Ue();
  KVS_RETURN_IF_ERROR(br.status("H.265 SPS bit depth"));
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS bit_depth_luma_minus8", luma_minus8, 0, 8));
  KVS_RETURN_IF_ERROR(
      CheckRange("SPS bit_depth_chroma_minus8", chroma_minus8, 0, 8));
  sps.bit_depth_luma = 8 + luma_minus8;
  sps.bit_depth_chroma = 8 + chroma_minus8;
  return sps;
}

namespace {

// The VPS fields between profile_tier_level() and vps_timing_info_present
// (H.265 7.3.2.1): sub-layer ordering info and the layer-id sets.
Status SkipVpsLayerInfo(BitReader& br, uint32_t max_sub_layers_minus1) {
  const bool ordering_for_all = br.Flag();
  for (uint32_t i = ordering_for_all ? 0 : max_sub_layers_minus1;
       i <= max_sub_layers_minus1 && br.ok(); ++i) {
    br.Ue();  // vps_max_dec_pic_buffering_minus1
    br.Ue();  // vps_max_num_reorder_pics
    br.Ue();  // vps_max_latency_increase_plus1
  }
  const uint32_t max_layer_id = br.Bits(6);
  const uint32_t num_layer_sets_minus1 = br.Ue();
  KVS_RETURN_IF_ERROR(br.status("H.265 VPS"));
  KVS_RETURN_IF_ERROR(CheckRange("VPS vps_num_layer_sets_minus1",
                                 num_layer_sets_minus1, 0, 1023));
  br.Skip(size_t{num_layer_sets_minus1} * (max_layer_id + 1));
  return br.status("H.265 VPS layer sets");
}

Status ReadVpsTiming(BitReader& br, H265VpsInfo* vps) {
  vps->num_units_in_tick = br.Bits(32);
  vps->time_scale = br.Bits(32);
  KVS_RETURN_IF_ERROR(br.status("H.265 VPS timing"));
  if (vps->num_units_in_tick == 0 || vps->time_scale == 0) return Status::Ok();
  vps->has_timing = true;
  const uint32_t g = std::gcd(vps->time_scale, vps->num_units_in_tick);
  vps->frame_rate_num = vps->time_scale / g;
  vps->frame_rate_den = vps->num_units_in_tick / g;
  return Status::Ok();
}

}  // namespace

Result<H265VpsInfo> ParseH265Vps(ByteSpan nal) {
  KVS_RETURN_IF_ERROR(CheckNalType(nal, h265::kVps, "H.265 VPS"));
  const std::vector<uint8_t> rbsp = UnescapeRbsp(nal.subspan(2));
  BitReader br(rbsp);
  H265VpsInfo vps;
  vps.vps_id = br.Bits(4);
  br.Skip(2 + 6);  // base_layer flags, vps_max_layers_minus1
  const uint32_t max_sub_layers_minus1 = br.Bits(3);
  br.Skip(1 + 16);  // temporal_id_nesting, vps_reserved_0xffff_16bits
  KVS_RETURN_IF_ERROR(
      CheckRange("VPS vps_max_sub_layers_minus1", max_sub_layers_minus1, 0, 6));
  vps.max_sub_layers = max_sub_layers_minus1 + 1;
  ReadGeneralPtl(br, &vps.ptl);
  SkipSubLayerPtl(br, max_sub_layers_minus1);
  KVS_RETURN_IF_ERROR(SkipVpsLayerInfo(br, max_sub_layers_minus1));
  if (br.Flag()) {  // vps_timing_info_present_flag
    KVS_RETURN_IF_ERROR(ReadVpsTiming(br, &vps));
  }
  return vps;
}

std::vector<std::vector<uint8_t>> HvcConfig::NalUnitsOfType(int type) const {
  std::vector<std::vector<uint8_t>> out;
  for (const HvcArray& array : arrays) {
    if (array.nal_unit_type != type) continue;
    out.insert(out.end(), array.nal_units.begin(), array.nal_units.end());
  }
  return out;
}

Result<HvcConfig> ParseHvcC(ByteSpan hvcc) {
  if (hvcc.size < kHvcCHeaderBytes) {
    return Status(StatusCode::kInvalidCodecData,
                  "hvcC of " + std::to_string(hvcc.size) +
                      " bytes is shorter than its 23-byte header");
  }
  BitReader br(hvcc);
  HvcConfig config;
  KVS_RETURN_IF_ERROR(ReadHvcCHeader(br, &config));
  const uint32_t num_arrays = br.Bits(8);
  for (uint32_t i = 0; i < num_arrays; ++i) {
    HvcArray array;
    KVS_RETURN_IF_ERROR(ReadHvcArray(br, &array));
    config.arrays.push_back(std::move(array));
  }
  return config;
}

Result<std::vector<uint8_t>> BuildHvcC(
    const std::vector<std::vector<uint8_t>>& vps_list,
    const std::vector<std::vector<uint8_t>>& sps_list,
    const std::vector<std::vector<uint8_t>>& pps_list,
    const std::vector<std::vector<uint8_t>>& sei_list, int nal_length_size) {
  if (!IsValidNalLengthSize(nal_length_size)) {
    return Status(StatusCode::kInvalidArgument,
                  "hvcC nal_length_size must be 1, 2 or 4");
  }
  KVS_RETURN_IF_ERROR(CheckUnits(vps_list, h265::kVps, "VPS", true));
  KVS_RETURN_IF_ERROR(CheckUnits(sps_list, h265::kSps, "SPS", true));
  KVS_RETURN_IF_ERROR(CheckUnits(pps_list, h265::kPps, "PPS", true));
  KVS_RETURN_IF_ERROR(CheckUnits(sei_list, h265::kPrefixSei, "SEI", false));
  Result<H265SpsInfo> sps = ParseH265Sps(sps_list.front());
  if (!sps.ok()) return sps.status();
  std::vector<uint8_t> out = HvcCHeader(*sps, nal_length_size);
  std::vector<std::vector<uint8_t>> prefix_sei, suffix_sei;
  for (const auto& sei : sei_list) {
    (h265::NalType(sei) == h265::kPrefixSei ? prefix_sei : suffix_sei)
        .push_back(sei);
  }
  const int num_arrays = 3 + !prefix_sei.empty() + !suffix_sei.empty();
  out.push_back(static_cast<uint8_t>(num_arrays));
  AppendArray(&out, h265::kVps, vps_list);
  AppendArray(&out, h265::kSps, sps_list);
  AppendArray(&out, h265::kPps, pps_list);
  if (!prefix_sei.empty()) AppendArray(&out, h265::kPrefixSei, prefix_sei);
  if (!suffix_sei.empty()) AppendArray(&out, h265::kSuffixSei, suffix_sei);
  return out;
}

std::string H265ProfileName(const H265ProfileTierLevel& ptl) {
  int idc = ptl.profile_idc;
  // With profile_idc 0, the lowest set compatibility flag names the profile.
  for (int j = 1; idc == 0 && j < 32; ++j) {
    if (ptl.profile_compatibility_flags & (0x80000000u >> j)) idc = j;
  }
  switch (idc) {
    case 1:
      return "Main";
    case 2:
      return "Main 10";
    case 3:
      return "Main Still Picture";
    case 4:
      return "Format Range Extensions";
    case 5:
      return "High Throughput";
    case 9:
      return "Screen Content Coding";
    default:
      return "profile " + std::to_string(ptl.profile_idc);
  }
}

std::string H265LevelName(uint8_t level_idc) {
  const int tenths = level_idc / 3;  // level_idc = 30 x level
  if (tenths % 10 == 0) return std::to_string(tenths / 10);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

}  // namespace codec
}  // namespace kvs
