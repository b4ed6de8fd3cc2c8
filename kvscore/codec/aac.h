// kvscore/codec/aac.h: AAC AudioSpecificConfig parsing and building.
//
// The MKV track for AAC has CodecID A_AAC and, as CodecPrivate, the
// AudioSpecificConfig (ASC, ISO/IEC 14496-3 1.6.2.1), which GStreamer passes
// as codec_data for audio/mpeg,mpegversion=4,stream-format=raw. The
// TrackEntry's Audio element needs the sampling rate and channel count,
// which for HE-AAC differ between the AAC core and the decoder's output:
//   - SBR (AOT 5, "HE-AAC") doubles the output sampling rate;
//   - PS (AOT 29, "HE-AAC v2") turns a mono core into stereo output.
// The ASC signals SBR/PS in one of three ways (14496-3 1.6.5.2):
//   - explicit hierarchical: audioObjectType 5 or 29 first, then the
//     extension rate and the core object type;
//   - explicit backward-compatible: an LC config followed by the sync
//     extension 0x2b7 (AOT 5, sbrPresentFlag, extension rate) and optionally
//     0x548 (psPresentFlag);
//   - implicit: nothing in the ASC; a decoder finds SBR in the payload. The
//     ASC cannot say, so the output is reported as the core's and
//     `sbr_signalled` stays kUnknown.
//
// Pure functions, safe on any input and from any thread.
#ifndef KVSCORE_CODEC_AAC_H_
#define KVSCORE_CODEC_AAC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

namespace kvs {
namespace codec {

// Audio object types used here (14496-3 Table 1.17).
constexpr int kAacMain = 1;
constexpr int kAacLc = 2;
constexpr int kAacSsr = 3;
constexpr int kAacLtp = 4;
constexpr int kAacSbr = 5;
constexpr int kAacPs = 29;

enum class AacSignalling {
  kNone,                // no SBR/PS signalled (implicit SBR still possible)
  kHierarchical,        // AOT 5/29 first
  kBackwardCompatible,  // sync extension 0x2b7 after the core config
};

// Tri-state of sbrPresentFlag / psPresentFlag (-1, 0, 1 in the standard).
enum class AacFlag { kUnknown, kAbsent, kPresent };

struct AacConfig {
  int object_type = 0;            // core audioObjectType, e.g. 2 for LC
  int frequency_index = 0;        // 0..12, or 15 with an explicit rate
  int core_sample_rate = 0;       // Hz
  int channel_configuration = 0;  // 0 = program_config_element
  int core_channels = 0;          // from channel_configuration or the PCE
  AacSignalling signalling = AacSignalling::kNone;
  AacFlag sbr = AacFlag::kUnknown;
  AacFlag ps = AacFlag::kUnknown;
  int extension_sample_rate = 0;  // Hz, SBR output rate when signalled
  // What a decoder outputs: the extension rate with SBR, 2 channels with PS
  // on a mono core; otherwise the core's values.
  int output_sample_rate = 0;
  int output_channels = 0;
  bool frame_length_960 = false;  // GASpecificConfig frameLengthFlag
  // False for object types whose specific config is not parsed here (e.g.
  // ER AAC ELD, USAC): rate and channels still come from the common fields,
  // but a backward-compatible extension after them cannot be found.
  bool specific_config_parsed = false;
};

// Parses an AudioSpecificConfig. Reads the 5-bit audioObjectType (escape 31
// -> 32 + 6 bits), the 4-bit sampling frequency index (15 -> explicit 24-bit
// rate), the channel configuration (0 -> program_config_element), the
// hierarchical SBR/PS signalling, GASpecificConfig for the GA object types,
// and the backward-compatible sync extensions. Errors (kInvalidCodecData):
// truncated, reserved frequency index 13/14, an explicit rate of 0, a
// reserved channel configuration (8..10, 15), a PCE with no channels, or an
// error-protection config (epConfig 2/3) that is not supported.
Result<AacConfig> ParseAudioSpecificConfig(ByteSpan asc);

// Builds a 2-byte AAC-LC ASC (5 bytes when `sample_rate_hz` is not in the
// frequency table, using the explicit 24-bit rate). `channels`: 1..6 or 8.
// Errors: kInvalidArgument for a rate outside 1..16777215 Hz or an
// unsupported channel count.
Result<std::vector<uint8_t>> BuildAudioSpecificConfig(int sample_rate_hz,
                                                      int channels);

// Sampling frequency of index 0..12 (14496-3 Table 1.18), or 0.
int AacSampleRateForIndex(int index);
// Index of `sample_rate_hz` in the table, or -1.
int AacIndexForSampleRate(int sample_rate_hz);

// "AAC LC", "HE-AAC", "HE-AAC v2", "AAC (object type 42)".
std::string AacProfileName(const AacConfig& config);

}  // namespace codec
}  // namespace kvs

#endif  // KVSCORE_CODEC_AAC_H_
