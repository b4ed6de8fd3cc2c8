// kvscore/codec/h264.h: H.264 codec private data (avcC) and SPS parsing.
//
// The MKV track for H.264 has CodecID V_MPEG4/ISO/AVC and, as CodecPrivate,
// an AVCDecoderConfigurationRecord ("avcC", ISO/IEC 14496-15 5.3.3.1) with
// the SPS and PPS NAL units (kvs-spec.md section 1 and Appendix A.1). The
// packager takes width and height for the TrackEntry's Video element from
// the SPS (upstream-kvssink.md B.7), so the SPS is parsed here too.
//
// Every function is pure (bytes in, values out) and safe on any input: a
// malformed record returns kInvalidCodecData, never reads out of bounds and
// never loops without bound. Safe to call from any thread.
#ifndef KVSCORE_CODEC_H264_H_
#define KVSCORE_CODEC_H264_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

namespace kvs {
namespace codec {

// What ParseH264Sps reads from a sequence parameter set
// (ITU-T H.264 7.3.2.1.1 and, for timing, E.1.1).
struct H264SpsInfo {
  uint8_t profile_idc = 0;         // 66 Baseline, 77 Main, 100 High, ...
  uint8_t constraint_flags = 0;    // constraint_set0..5 flags + 2 reserved bits
  uint8_t level_idc = 0;           // 10 x level, e.g. 31 = level 3.1
  uint32_t sps_id = 0;             // 0..31
  uint32_t chroma_format_idc = 1;  // 0 mono, 1 4:2:0, 2 4:2:2, 3 4:4:4
  bool separate_colour_plane = false;
  uint32_t bit_depth_luma = 8;      // 8..14
  uint32_t bit_depth_chroma = 8;    // 8..14
  uint32_t log2_max_frame_num = 4;  // 4..16
  uint32_t pic_order_cnt_type = 0;  // 0..2
  uint32_t max_num_ref_frames = 0;
  bool frame_mbs_only = true;  // false: the stream may hold field pictures.
  // Decoded frame size in luma samples, before cropping (multiples of 16,
  // or of 32 in height for field-capable streams).
  uint32_t coded_width = 0;
  uint32_t coded_height = 0;
  // Frame cropping in luma samples (already multiplied by CropUnitX/Y).
  uint32_t crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;
  // Display size in luma samples: coded size minus cropping.
  uint32_t width = 0;
  uint32_t height = 0;
  // VUI (Annex E). A VUI cut short after the fields below leaves them set;
  // one cut short before them leaves has_vui_timing false.
  bool has_vui = false;
  uint32_t sar_width = 0, sar_height = 0;  // sample aspect ratio; 0 = unknown
  bool has_vui_timing = false;
  uint32_t num_units_in_tick = 0;
  uint32_t time_scale = 0;  // Hz
  bool fixed_frame_rate = false;
  // Frame rate as a reduced fraction, time_scale / (2 * num_units_in_tick)
  // (E.2.1: one frame is two field ticks); 0/0 when not signalled.
  uint32_t frame_rate_num = 0;
  uint32_t frame_rate_den = 0;
};

// Parses an SPS NAL unit (`nal` starts at its 1-byte NAL header, type 7;
// emulation prevention bytes are removed here). Scaling lists are read and
// discarded. Errors (kInvalidCodecData): not an SPS, truncated, a field out
// of its range in the standard, cropping larger than the picture, or a size
// over 32768 x 32768.
Result<H264SpsInfo> ParseH264Sps(ByteSpan nal);

// An AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1).
struct AvcConfig {
  uint8_t profile_idc = 0;                // AVCProfileIndication
  uint8_t profile_compatibility = 0;      // the SPS constraint flags byte
  uint8_t level_idc = 0;                  // AVCLevelIndication
  int nal_length_size = 4;                // lengthSizeMinusOne + 1: 1, 2 or 4
  std::vector<std::vector<uint8_t>> sps;  // NAL units, type 7
  std::vector<std::vector<uint8_t>> pps;  // NAL units, type 8
  // High-profile extension (profile_idc 100, 110, 122, 144), when present.
  bool has_extension = false;
  uint8_t chroma_format = 1;
  uint8_t bit_depth_luma = 8;
  uint8_t bit_depth_chroma = 8;
  std::vector<std::vector<uint8_t>> sps_ext;  // NAL units, type 13
};

// Parses an avcC record (GStreamer codec_data for stream-format=avc/avc3).
// Accepts: configurationVersion 1; any number of SPS (0 is legal for avc3)
// and PPS; each SPS of type 7, each PPS of type 8. The High-profile
// extension is read when at least 4 bytes follow the PPS array; fewer
// trailing bytes are ignored, as real writers often omit it. Errors
// (kInvalidCodecData): another version, lengthSizeMinusOne 2 (3-byte
// lengths), a NAL unit that is empty, of the wrong type or runs past the end.
Result<AvcConfig> ParseAvcC(ByteSpan avcc);

// Builds an avcC record with the given SPS and PPS NAL units (each starting
// at its NAL header, without start code or length). Profile, compatibility
// and level are copied from the first SPS. For profile_idc 100, 110, 122 and
// 144 the High-profile extension is written, with chroma format and bit
// depths from the parsed first SPS (14496-15 5.3.3.1.2 requires it).
// Errors: kInvalidArgument for a bad nal_length_size; kInvalidCodecData for
// no SPS, more than 31 SPS or 255 PPS, a unit over 65535 bytes, a unit of
// the wrong type, or a first SPS that ParseH264Sps rejects.
Result<std::vector<uint8_t>> BuildAvcC(
    const std::vector<std::vector<uint8_t>>& sps_list,
    const std::vector<std::vector<uint8_t>>& pps_list, int nal_length_size = 4);

// "High", "Constrained Baseline", ... from profile_idc and the constraint
// flags byte (H.264 A.2); "profile N" for unknown values.
std::string H264ProfileName(uint8_t profile_idc, uint8_t constraint_flags);
// "3.1", "1b", ... from level_idc (H.264 A.3.1, Table A-1).
std::string H264LevelName(uint8_t profile_idc, uint8_t constraint_flags,
                          uint8_t level_idc);

}  // namespace codec
}  // namespace kvs

#endif  // KVSCORE_CODEC_H264_H_
