// kvscore/codec/track_params.h: what the MKV packager needs per track.
//
// The packager (kvscore/mkv) writes one TrackEntry per track: CodecID,
// CodecPrivate, and a Video{PixelWidth, PixelHeight} or
// Audio{SamplingFrequency, Channels, BitDepth} element (kvs-spec.md
// Appendix A.1; upstream-kvssink.md B.7). These functions validate a track's
// CodecPrivate and return those values in one call, so the packager never
// parses codec data itself.
//
// Pure functions; safe from any thread.
#ifndef KVSCORE_CODEC_TRACK_PARAMS_H_
#define KVSCORE_CODEC_TRACK_PARAMS_H_

#include <cstdint>
#include <string>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"
#include "kvscore/codec/g711.h"

namespace kvs {
namespace codec {

// MKV CodecIDs as the producer SDK writes them (kvs-spec.md A.1,
// mkvgen/Include.h).
inline constexpr char kCodecIdH264[] = "V_MPEG4/ISO/AVC";
inline constexpr char kCodecIdH265[] = "V_MPEGH/ISO/HEVC";
inline constexpr char kCodecIdAac[] = "A_AAC";
inline constexpr char kCodecIdG711[] = "A_MS/ACM";

struct VideoTrackParams {
  const char* codec_id = "";  // kCodecIdH264 or kCodecIdH265
  // Display size in pixels (SPS size after cropping / conformance window):
  // what PixelWidth/PixelHeight carry.
  int width = 0;
  int height = 0;
  // Decoded size before cropping.
  int coded_width = 0;
  int coded_height = 0;
  int nal_length_size = 4;  // of the frames that go with this CodecPrivate
  int bit_depth = 8;        // luma
  int chroma_format_idc = 1;
  // Frame rate hint from the H.264 SPS VUI timing or the H.265 VPS timing
  // info; 0/0 when absent.
  // A hint only: encoders often signal a nominal rate (media/README.md,
  // rtp_webcam: VUI 15 fps, real 6-57 fps).
  int frame_rate_num = 0;
  int frame_rate_den = 0;
  // For logs: "H.264 High L3.0", "H.265 Main 10 L4 High tier".
  std::string description;
};

struct AudioTrackParams {
  const char* codec_id = "";  // kCodecIdAac or kCodecIdG711
  // What a decoder outputs (SBR-doubled rate, PS stereo): the values for
  // the Audio element's SamplingFrequency and Channels. (A writer following
  // the Matroska convention for SBR instead puts core_sample_rate in
  // SamplingFrequency and this in OutputSamplingFrequency.)
  int sample_rate = 0;  // Hz
  int channels = 0;
  // The AAC core's rate and channels (equal to the above without SBR/PS).
  int core_sample_rate = 0;
  int core_channels = 0;
  // AAC only: true when the ASC leaves SBR unsignalled (implicit
  // signalling) on an LC core at 24 kHz or less, so a decoder that finds
  // SBR in the payload outputs 2 x core_sample_rate. Caps that say twice
  // the core rate then agree with this CodecPrivate.
  bool implicit_sbr_possible = false;
  int bit_depth = 0;        // 8 for G.711; 0 (not written) for AAC
  std::string description;  // "AAC LC 44100 Hz 2 ch", "HE-AAC v2 ..."
};

// Validates an avcC CodecPrivate (ParseAvcC, then ParseH264Sps on its first
// SPS). Errors: kInvalidCodecData for a malformed record or SPS, or an avcC
// without SPS or PPS (KVS console/HLS playback needs both, kvs-spec.md s1).
Result<VideoTrackParams> DescribeAvcC(ByteSpan avcc);

// Validates an hvcC CodecPrivate (ParseHvcC, then ParseH265Sps on its first
// SPS). Errors: kInvalidCodecData for a malformed record or SPS, or an hvcC
// missing its VPS, SPS or PPS.
Result<VideoTrackParams> DescribeHvcC(ByteSpan hvcc);

// Validates an AudioSpecificConfig CodecPrivate. Errors: those of
// ParseAudioSpecificConfig.
Result<AudioTrackParams> DescribeAac(ByteSpan asc);

// Describes a G.711 track (bit depth 8). Errors: those of BuildWaveFormatEx.
Result<AudioTrackParams> DescribeG711(G711Law law, int rate_hz, int channels);

// Validates a WAVEFORMATEX CodecPrivate of format tag 6 or 7.
// Errors: kInvalidCodecData for a malformed record, another format tag, or
// fields BuildWaveFormatEx would reject.
Result<AudioTrackParams> DescribeWaveFormatEx(ByteSpan wave_format);

}  // namespace codec
}  // namespace kvs

#endif  // KVSCORE_CODEC_TRACK_PARAMS_H_
