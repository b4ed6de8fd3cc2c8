// kvscore/stream/frame.h: the unit the element hands to kvscore.
#ifndef KVSCORE_STREAM_FRAME_H_
#define KVSCORE_STREAM_FRAME_H_

#include <cstdint>
#include <limits>

#include "kvscore/base/bytes.h"

namespace kvs {

// "No timestamp", like GST_CLOCK_TIME_NONE.
constexpr int64_t kNoTimestamp = std::numeric_limits<int64_t>::min();

// Frame flags (a bit set).
enum FrameFlags : uint32_t {
  kFrameFlagNone = 0,
  kFrameFlagKey = 1u << 0,  // Starts a GOP / is independently decodable.
  kFrameFlagDiscardable = 1u << 1,  // May be dropped without breaking others.
  kFrameFlagInvisible = 1u << 2,    // Decoded but not shown.
};

// One encoded access unit (video) or audio frame.
//
// Timestamps are producer time in ns: epoch ns in real-time mode, the file's
// timeline plus file-start-time in offline mode (DESIGN.md data flow, step
// 2). `pts` is the presentation time, `dts` the decode time (== pts without
// B-frames); either may be kNoTimestamp, and stream/ fills it from the other.
// `duration` may be kNoTimestamp when unknown.
//
// `data` holds the bytes exactly as they go into the SimpleBlock: for
// H.264/H.265, length-prefixed NAL units (AVCC/HVCC framing); for AAC, one
// raw access unit; for G.711, the samples. It is referenced, never copied,
// by kvscore until the upload copies it into the socket buffer.
struct Frame {
  uint32_t track = 1;  // MKV TrackNumber.
  uint32_t flags = kFrameFlagNone;
  int64_t pts = kNoTimestamp;
  int64_t dts = kNoTimestamp;
  int64_t duration = kNoTimestamp;
  BytesRef data;

  bool key() const { return (flags & kFrameFlagKey) != 0; }
};

}  // namespace kvs

#endif  // KVSCORE_STREAM_FRAME_H_
