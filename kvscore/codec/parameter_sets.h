// kvscore/codec/parameter_sets.h: parameter sets carried in-band.
//
// A track whose caps lack codec_data (H.264 stream-format=byte-stream or
// avc3, H.265 byte-stream or hev1) still needs a CodecPrivate in its MKV
// TrackEntry (kvs-spec.md section 6 "NAL adaptation": "extract from first
// IDR"; upstream-kvssink.md C #10). These functions find the VPS/SPS/PPS in
// an access unit and build the avcC/hvcC from them, so the packager can
// write the track header at the first key frame. The same path turns an
// Annex-B codec_data (SPS and PPS with start codes, as some encoders set it)
// into a proper avcC/hvcC.
//
// Pure functions; safe from any thread. Returned spans view the input.
#ifndef KVSCORE_CODEC_PARAMETER_SETS_H_
#define KVSCORE_CODEC_PARAMETER_SETS_H_

#include <cstdint>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

namespace kvs {
namespace codec {

enum class VideoCodec { kH264, kH265 };

// Pass as `nal_length_size` for Annex-B input.
constexpr int kAnnexB = 0;

// Splits an access unit framed as Annex-B (nal_length_size == kAnnexB) or
// length-prefixed (1, 2 or 4). Errors as SplitLengthPrefixed; kInvalidFrame
// for Annex-B input without any start code.
Result<std::vector<ByteSpan>> SplitAccessUnit(ByteSpan au, int nal_length_size);

// The parameter sets found in an access unit, in stream order, with exact
// duplicates dropped. `vps` stays empty for H.264. Each list keeps at most
// as many sets as the standard has ids (H.264: 31 SPS (the avcC limit), 256
// PPS; H.265: 16 VPS, 16 SPS, 64 PPS); later ones are ignored.
struct ParameterSets {
  std::vector<std::vector<uint8_t>> vps;
  std::vector<std::vector<uint8_t>> sps;
  std::vector<std::vector<uint8_t>> pps;
  // True when the H.264 set has SPS and PPS, or the H.265 set has all three.
  bool Complete(VideoCodec codec) const;
};

// What the NAL unit types of an access unit say about it.
struct AccessUnitInfo {
  bool key_frame = false;  // H.264 IDR slice; H.265 IRAP (IDR, CRA, BLA)
  bool idr = false;        // an IDR picture (closed GOP start)
  bool cra = false;        // H.265 CRA: RASL pictures may follow (open GOP)
  bool rasl = false;       // H.265 RASL picture
  bool has_parameter_sets = false;
  bool has_aud = false;
  int nal_count = 0;
};

// Collects the parameter sets of `au`. Errors as SplitAccessUnit.
Result<ParameterSets> FindParameterSets(VideoCodec codec, ByteSpan au,
                                        int nal_length_size);

// Classifies `au` by its NAL unit types. Errors as SplitAccessUnit.
Result<AccessUnitInfo> InspectAccessUnit(VideoCodec codec, ByteSpan au,
                                         int nal_length_size);

// Builds the avcC (H.264) or hvcC (H.265) CodecPrivate from the parameter
// sets in `au`, with `out_nal_length_size`-byte NAL lengths (the size the
// packaged frames use). Errors: those of SplitAccessUnit; kInvalidCodecData
// when a needed parameter set is missing, or those of BuildAvcC/BuildHvcC.
Result<std::vector<uint8_t>> BuildCodecPrivateFromAccessUnit(
    VideoCodec codec, ByteSpan au, int nal_length_size,
    int out_nal_length_size = 4);

}  // namespace codec
}  // namespace kvs

#endif  // KVSCORE_CODEC_PARAMETER_SETS_H_
