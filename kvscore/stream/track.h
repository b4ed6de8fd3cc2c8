// kvscore/stream/track.h: from a track's negotiated format to its MKV
// TrackEntry.
//
// The element describes each pad's caps as a TrackConfig; DescribeTrack()
// validates the codec private data with kvscore/codec and fills the
// TrackEntry the packager writes (kvs-spec.md section 1 and Appendix A.1;
// upstream-kvssink.md A.2 for the `codec-id` and `track-name` overrides):
//
//   codec  CodecID            CodecPrivate    Video / Audio
//   H.264  V_MPEG4/ISO/AVC    avcC            PixelWidth/Height from the SPS
//   H.265  V_MPEGH/ISO/HEVC   hvcC            PixelWidth/Height from the SPS
//   AAC    A_AAC              AudioSpecific.  output rate and channels
//   A-law  A_MS/ACM           WAVEFORMATEX 6  rate, channels, BitDepth 8
//   µ-law  A_MS/ACM           WAVEFORMATEX 7  rate, channels, BitDepth 8
//
// Sizes and rates come from the codec data, which is what a decoder uses;
// when the caps disagree, the returned warnings say so.
#ifndef KVSCORE_STREAM_TRACK_H_
#define KVSCORE_STREAM_TRACK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kvscore/base/status.h"
#include "kvscore/mkv/mkv_writer.h"

namespace kvs {

enum class TrackCodec { kH264, kH265, kAac, kALaw, kMuLaw };

// "h264", "h265", "aac", "alaw", "mulaw".
const char* TrackCodecName(TrackCodec codec);
bool IsVideo(TrackCodec codec);

struct TrackConfig {
  uint32_t number = 1;  // MKV TrackNumber (1..3).
  TrackCodec codec = TrackCodec::kH264;
  // avcC, hvcC or AudioSpecificConfig from caps codec_data; unused for
  // G.711 (built from rate and channels).
  std::vector<uint8_t> codec_private;
  // The pad exists but its caps have not arrived: the packager waits for
  // its frames (bounded) but can't describe it yet. `codec` then only says
  // video (kH264) or audio (kAac).
  bool pending = false;
  // Video frames are Annex-B byte-stream (start codes) rather than
  // length-prefixed: the packager re-frames them and builds CodecPrivate
  // from in-band parameter sets.
  bool annexb = false;
  std::string name;      // Empty: "kinesis_video" for video, "audio".
  std::string codec_id;  // Empty: the codec's default CodecID.
  // What the caps said (0 = not given), for G.711 and for cross-checks.
  int width = 0;
  int height = 0;
  int rate = 0;
  int channels = 0;
};

struct TrackDescription {
  mkv::TrackEntry entry;
  std::string summary;      // e.g. "H.264 High L3.1 1280x720".
  int nal_length_size = 0;  // Video: NAL length-prefix size of the frames.
  // Human-readable disagreements between caps and codec data.
  std::vector<std::string> warnings;
};

// Errors: kInvalidCodecData when the codec private data is missing or
// malformed (the message names the codec and what is wrong);
// kInvalidArgument for a G.711 track without a valid rate or channel count.
Result<TrackDescription> DescribeTrack(const TrackConfig& config);

}  // namespace kvs

#endif  // KVSCORE_STREAM_TRACK_H_
