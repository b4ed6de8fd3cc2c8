// kvscore/stream/timestamp_sanitizer.h: per-track timestamp repair.
//
// Real sources produce timestamps KVS would reject (upstream-kvssink.md C,
// row 1: 4004 / 0x52000060 / 0x32000002): missing PTS or DTS (h264parse on
// a raw stream gives DTS only), DTS going backwards, duplicates, and resets
// when an RTSP camera reconnects and its clock starts again. The sanitizer
// repairs each frame of one track in arrival (decode) order, keeps real
// time where it can, and counts every repair:
//
//   filled      a missing PTS or DTS taken from the other; both missing:
//               the previous DTS plus the frame duration (the frame's own,
//               else the last seen, else `default_duration_ns`), or plus
//               the real time since the previous frame after an outage.
//   dts_clamped a DTS earlier than the previous one raised to it (decode
//               order must not go back).
//   reanchored  a jump back of more than `reset_threshold_ns` (a source
//               reset), or of more than max(`step_threshold_ns`, 2 frame
//               durations + (with B-frames) 2 reorder delays) (a clock step):
//               this and later frames are shifted to continue right after
//               the previous frame (after an outage: as much later as the
//               real time that passed), so the timeline never goes back.
//               Smaller
//               steps back are jitter: clamped and nudged, without
//               accumulating an offset.
//   gaps        a jump forward of more than `reset_threshold_ns`: kept as
//               is (real time), counted; the packager starts a new fragment.
//   nudged      a PTS equal to or earlier than the previous PTS of a track
//               without reordering (audio, or video without B-frames)
//               moved 1 ms after it (after an outage: as much later as the
//               real time that passed), so no two frames share a timestamp.
//
// B-frames (PTS != DTS) pass unchanged: PTS may go back in decode order.
// Pure logic on values; one instance per track; not thread-safe.
#ifndef KVSCORE_STREAM_TIMESTAMP_SANITIZER_H_
#define KVSCORE_STREAM_TIMESTAMP_SANITIZER_H_

#include <cstdint>

#include "kvscore/base/clock.h"
#include "kvscore/stream/frame.h"

namespace kvs {

struct RepairCounters {
  uint64_t filled = 0;
  uint64_t dts_clamped = 0;
  uint64_t reanchored = 0;
  uint64_t gaps = 0;
  uint64_t nudged = 0;
  uint64_t dropped = 0;  // Frames the packager could not place (see there).

  uint64_t total() const {
    return filled + dts_clamped + reanchored + gaps + nudged + dropped;
  }
  RepairCounters& operator+=(const RepairCounters& o) {
    filled += o.filled;
    dts_clamped += o.dts_clamped;
    reanchored += o.reanchored;
    gaps += o.gaps;
    nudged += o.nudged;
    dropped += o.dropped;
    return *this;
  }
};

struct SanitizerOptions {
  int64_t default_duration_ns = 40 * kNsPerMs;  // From framerate: 25 fps.
  int64_t reset_threshold_ns = 5 * kNsPerSecond;
  int64_t step_threshold_ns = 100 * kNsPerMs;
};

class TimestampSanitizer {
 public:
  explicit TimestampSanitizer(SanitizerOptions options = SanitizerOptions())
      : options_(options) {}

  // Repairs `frame` in place (pts, dts, duration) and counts repairs in
  // `counters`. Afterwards pts and dts are set, dts never decreases, and
  // (without reordering) pts strictly increases. `now_ns` is the frame's
  // arrival (monotonic ns; kNoTimestamp if unknown): a filled or
  // re-anchored frame after an outage is placed at the real time that
  // passed since the previous one.
  void Repair(Frame* frame, RepairCounters* counters,
              int64_t now_ns = kNoTimestamp);

  // The largest PTS - DTS seen (the decoder's reorder delay), ns.
  int64_t reorder_delay_ns() const { return reorder_delay_; }

 private:
  int64_t Duration(const Frame& frame) const;
  // The real time since the previous frame arrived when it exceeds that
  // frame's duration by more than `step_threshold_ns` (an outage, not
  // arrival jitter), else 0. A frame whose timestamps can't be used (filled,
  // re-anchored, nudged) goes at least that far after the previous one.
  int64_t Outage(int64_t now_ns) const;

  SanitizerOptions options_;
  bool started_ = false;
  int64_t offset_ = 0;  // Added to incoming timestamps (re-anchoring).
  int64_t last_dts_ = 0;
  int64_t last_source_dts_ = 0;  // Last DTS the source gave (+ offset_).
  int64_t last_pts_ = 0;
  int64_t last_duration_ = 0;
  int64_t last_arrival_ = kNoTimestamp;  // Monotonic ns of the last frame.
  int64_t reorder_delay_ = 0;
  bool reordered_ = false;  // PTS != DTS was seen: B-frames.
};

}  // namespace kvs

#endif  // KVSCORE_STREAM_TIMESTAMP_SANITIZER_H_
