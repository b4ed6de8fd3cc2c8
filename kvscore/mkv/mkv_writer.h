// kvscore/mkv/mkv_writer.h: the MKV bytes of a KVS PutMedia body.
//
// A PutMedia body is one Matroska Segment (kvs-spec.md section 1):
//
//   EBML header
//   Segment (unknown size)
//     Info, Tracks                      <- SessionHeader(): once per body
//     [Tags]  Cluster (unknown size)    <- one Cluster per KVS fragment
//               Timestamp, SimpleBlock...
//     [Tags]  Cluster ...
//     Tags{AWS_KINESISVIDEO_END_OF_FRAGMENT}   <- closes the last fragment
//
// Every function here is pure: values in, bytes out. Frame payloads are not
// copied through this layer: SimpleBlockHeader() returns only the 4..12
// header bytes and the caller appends the payload by reference.
//
// Layout follows AWS's producer (upstream-kvssink.md B.7, kvs-spec.md
// Appendix A.1) so that KVS accepts it, with two deliberate differences:
// integers and sizes use the shortest encoding, and Cluster has no
// Position element (AWS writes Position 0, which is not the Cluster's real
// position). Tags carry no Targets element, as AWS's producer writes them;
// that is what KVS is known to accept.
#ifndef KVSCORE_MKV_MKV_WRITER_H_
#define KVSCORE_MKV_MKV_WRITER_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

namespace kvs {
namespace mkv {

// Matroska TrackType values (RFC 9559 section 5.1.4.1.3).
enum class TrackType : uint8_t { kVideo = 1, kAudio = 2 };

// SimpleBlock flag bits (RFC 9559 section 10.2).
constexpr uint8_t kBlockFlagKeyframe = 0x80;
constexpr uint8_t kBlockFlagInvisible = 0x08;
constexpr uint8_t kBlockFlagDiscardable = 0x01;

// Name of the tag that ends a fragment (upstream-kvssink.md B.7).
constexpr char kEndOfFragmentTag[] = "AWS_KINESISVIDEO_END_OF_FRAGMENT";

struct SegmentInfo {
  // Random per stream; identifies the Segment.
  std::array<uint8_t, 16> segment_uid{};
  // Nanoseconds per Cluster/Block timestamp unit. KVS producers use 1 ms.
  uint64_t timestamp_scale_ns = 1000000;
  std::string title = "kvssink";
  std::string muxing_app = "kvssink";
  std::string writing_app = "kvssink";
};

struct TrackEntry {
  uint64_t number = 1;  // TrackNumber, 1..127 (one-byte SimpleBlock VINT).
  uint64_t uid = 1;     // TrackUID, non-zero.
  TrackType type = TrackType::kVideo;
  std::string name;      // e.g. "kinesis_video" (upstream default).
  std::string codec_id;  // e.g. "V_MPEG4/ISO/AVC", "A_AAC", "A_MS/ACM".
  std::vector<uint8_t> codec_private;  // avcC, hvcC, ASC or WAVEFORMATEX.
  // Video: display size in pixels (0 = omit).
  uint32_t pixel_width = 0;
  uint32_t pixel_height = 0;
  // Audio: output sampling rate in Hz, channel count, bits per sample
  // (0 = omit BitDepth).
  double sampling_frequency_hz = 0;
  uint32_t channels = 0;
  uint32_t bit_depth = 0;
};

// One SimpleTag: name and string value (kvs-spec.md section 7 limits apply
// at the caller: name <= 128, value <= 256 bytes).
using SimpleTag = std::pair<std::string, std::string>;

// The EBML header, the Segment start (unknown size), Info and Tracks.
// Errors: kInvalidArgument when there are no tracks, more than 3 tracks
// (kvs-spec.md section 2, limits), a track number outside 1..127, duplicate
// numbers, or an empty codec id.
Result<std::vector<uint8_t>> SessionHeader(
    const SegmentInfo& info, const std::vector<TrackEntry>& tracks);

// A Cluster start (ID, unknown size) and its Timestamp, in timestamp-scale
// units (ms): the KVS FragmentTimecode. `timecode` must be >= 0.
std::vector<uint8_t> ClusterStart(int64_t timecode);

// The bytes of a SimpleBlock up to its payload: ID, size (4 + payload),
// track number VINT, the signed 16-bit timestamp relative to the Cluster
// (in timestamp-scale units) and the flags. The payload follows.
// `track` must be in 1..127.
std::vector<uint8_t> SimpleBlockHeader(uint64_t track, int16_t relative,
                                       uint8_t flags, size_t payload_size);

// The same bytes without a heap allocation (the per-frame path).
struct SimpleBlockHeaderBytes {
  uint8_t data[16];
  size_t size = 0;
};
SimpleBlockHeaderBytes MakeSimpleBlockHeader(uint64_t track, int16_t relative,
                                             uint8_t flags,
                                             size_t payload_size);

// A level-1 Tags element holding one Tag with the given SimpleTags, in
// order. Written before a Cluster (fragment metadata) or at the end of a
// fragment (the end-of-fragment tag).
std::vector<uint8_t> TagsElement(const std::vector<SimpleTag>& tags);

// TagsElement({{kEndOfFragmentTag, ""}}).
std::vector<uint8_t> EndOfFragmentTags();
// The same bytes, built once and shared (thread-safe).
const BytesRef& SharedEndOfFragmentTags();

}  // namespace mkv
}  // namespace kvs

#endif  // KVSCORE_MKV_MKV_WRITER_H_
