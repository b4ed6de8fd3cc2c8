// kvscore/codec/h265.h: H.265 codec private data (hvcC) and SPS parsing.
//
// The MKV track for H.265 has CodecID V_MPEGH/ISO/HEVC and, as CodecPrivate,
// an HEVCDecoderConfigurationRecord ("hvcC", ISO/IEC 14496-15 8.3.3.1) with
// the VPS, SPS and PPS NAL units (kvs-spec.md section 1, Appendix A.1).
// upstream-kvssink.md C #10: streams without codec_data need an hvcC built
// from in-band parameter sets, which BuildHvcC does.
//
// Every function is pure and safe on any input: malformed data returns
// kInvalidCodecData, never reads out of bounds and never loops without
// bound. Safe to call from any thread.
#ifndef KVSCORE_CODEC_H265_H_
#define KVSCORE_CODEC_H265_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

namespace kvs {
namespace codec {

// The general part of profile_tier_level() (ITU-T H.265 7.3.3); the same
// fields open the hvcC record.
struct H265ProfileTierLevel {
  uint8_t profile_space = 0;  // 0..3
  bool tier_flag = false;     // false Main tier, true High tier
  uint8_t profile_idc = 0;    // 1 Main, 2 Main 10, 3 Main Still, 4 RExt...
  uint32_t profile_compatibility_flags = 0;  // bit 31 = flag[0]
  // The 48 bits from general_progressive_source_flag to
  // general_inbld_flag/reserved, in stream order in the low 48 bits.
  uint64_t constraint_indicator_flags = 0;
  uint8_t level_idc = 0;  // 30 x level, e.g. 93 = level 3.1
};

// What ParseH265Sps reads from a sequence parameter set (H.265 7.3.2.2.1).
struct H265SpsInfo {
  uint8_t vps_id = 0;
  uint8_t max_sub_layers = 1;  // sps_max_sub_layers_minus1 + 1: 1..7
  bool temporal_id_nesting = false;
  H265ProfileTierLevel ptl;
  uint32_t sps_id = 0;             // 0..15
  uint32_t chroma_format_idc = 1;  // 0 mono, 1 4:2:0, 2 4:2:2, 3 4:4:4
  bool separate_colour_plane = false;
  // Decoded picture size in luma samples (pic_width/height_in_luma_samples).
  uint32_t coded_width = 0;
  uint32_t coded_height = 0;
  // Conformance window in luma samples (offsets x SubWidthC / SubHeightC).
  uint32_t conf_left = 0, conf_right = 0, conf_top = 0, conf_bottom = 0;
  // Display size: coded size minus the conformance window.
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t bit_depth_luma = 8;    // 8..16
  uint32_t bit_depth_chroma = 8;  // 8..16
};

// Parses an SPS NAL unit (`nal` starts at its 2-byte NAL header, type 33;
// emulation prevention is removed here). Reads up to and including the bit
// depths; later fields are not needed for packaging. Errors
// (kInvalidCodecData): not an SPS, truncated, a field outside its range, a
// conformance window that leaves no picture, a size over 32768 x 32768.
Result<H265SpsInfo> ParseH265Sps(ByteSpan nal);

// What ParseH265Vps reads from a video parameter set (H.265 7.3.2.1): its
// profile_tier_level and, when present, vps_timing_info, the cheapest place
// to find the frame rate (the SPS VUI sits behind the reference picture
// sets).
struct H265VpsInfo {
  uint8_t vps_id = 0;
  uint8_t max_sub_layers = 1;  // vps_max_sub_layers_minus1 + 1: 1..7
  H265ProfileTierLevel ptl;
  bool has_timing = false;
  uint32_t num_units_in_tick = 0;
  uint32_t time_scale = 0;  // Hz
  // Picture rate time_scale / num_units_in_tick (E.3.1), reduced; 0/0 when
  // not signalled.
  uint32_t frame_rate_num = 0;
  uint32_t frame_rate_den = 0;
};

// Parses a VPS NAL unit (`nal` starts at its 2-byte header, type 32).
// Errors (kInvalidCodecData): not a VPS, truncated before the timing flag,
// vps_max_sub_layers_minus1 7, or vps_num_layer_sets_minus1 over 1023.
Result<H265VpsInfo> ParseH265Vps(ByteSpan nal);

// One NAL unit array of an hvcC record.
struct HvcArray {
  bool array_completeness = false;
  uint8_t nal_unit_type = 0;  // 32 VPS, 33 SPS, 34 PPS, 39/40 SEI
  std::vector<std::vector<uint8_t>> nal_units;
};

// An HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1).
struct HvcConfig {
  uint8_t configuration_version = 1;
  H265ProfileTierLevel ptl;
  uint16_t min_spatial_segmentation_idc = 0;  // 12 bits
  uint8_t parallelism_type = 0;               // 2 bits
  uint8_t chroma_format = 1;                  // chroma_format_idc
  uint8_t bit_depth_luma = 8;
  uint8_t bit_depth_chroma = 8;
  uint16_t avg_frame_rate = 0;      // frames per 256 s; 0 = unspecified
  uint8_t constant_frame_rate = 0;  // 2 bits
  uint8_t num_temporal_layers = 0;  // 3 bits
  bool temporal_id_nested = false;
  int nal_length_size = 4;  // lengthSizeMinusOne + 1: 1, 2 or 4
  std::vector<HvcArray> arrays;

  // The NAL units of all arrays of `type`, in record order.
  std::vector<std::vector<uint8_t>> NalUnitsOfType(int type) const;
};

// Parses an hvcC record (GStreamer codec_data for stream-format=hvc1/hev1).
// Accepts configurationVersion 1, and 0 as written by some pre-standard
// muxers; each NAL unit must be non-empty and carry the nal_unit_type of its
// array. Errors (kInvalidCodecData): shorter than the 23-byte header,
// another version, lengthSizeMinusOne 2, an array that runs past the end.
Result<HvcConfig> ParseHvcC(ByteSpan hvcc);

// Builds an hvcC record (configurationVersion 1) with arrays VPS, SPS, PPS
// and, if given, prefix/suffix SEI, in that order, each with
// array_completeness 1. The header's profile/tier/level, chroma format, bit
// depths, numTemporalLayers and temporalIdNested come from the first SPS;
// min_spatial_segmentation_idc, parallelismType and the frame-rate fields
// are 0 (unknown). Errors: kInvalidArgument for a bad nal_length_size;
// kInvalidCodecData for no VPS, SPS or PPS, a unit of the wrong type or over
// 65535 bytes, or a first SPS that ParseH265Sps rejects.
Result<std::vector<uint8_t>> BuildHvcC(
    const std::vector<std::vector<uint8_t>>& vps_list,
    const std::vector<std::vector<uint8_t>>& sps_list,
    const std::vector<std::vector<uint8_t>>& pps_list,
    const std::vector<std::vector<uint8_t>>& sei_list = {},
    int nal_length_size = 4);

// "Main", "Main 10", ... (H.265 A.3); falls back to the compatibility flags
// when profile_idc is 0, then to "profile N".
std::string H265ProfileName(const H265ProfileTierLevel& ptl);
// "3.1", or "5" for a whole level, from level_idc (= 30 x level). The tier
// is not part of it: DescribeHvcC appends " High tier" when set.
std::string H265LevelName(uint8_t level_idc);

}  // namespace codec
}  // namespace kvs

#endif  // KVSCORE_CODEC_H265_H_
