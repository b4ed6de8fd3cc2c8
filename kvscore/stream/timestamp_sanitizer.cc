#include "kvscore/stream/timestamp_sanitizer.h"

#include <algorithm>

namespace kvs {

int64_t TimestampSanitizer::Duration(const Frame& frame) const {
  if (frame.duration != kNoTimestamp && frame.duration > 0) {
    return frame.duration;
  }
  return last_duration_ > 0 ? last_duration_ : options_.default_duration_ns;
}

void TimestampSanitizer::Repair(Frame* f, RepairCounters* c) {
  int64_t duration = Duration(*f);
  int64_t pts = f->pts, dts = f->dts;
  if (pts == kNoTimestamp && dts == kNoTimestamp) {
    if (!started_) return;  // Nothing to continue from: left for the caller.
    dts = pts = last_dts_ + duration - offset_;  // Offset added below.
    ++c->filled;
  } else if (pts == kNoTimestamp || dts == kNoTimestamp) {
    (pts == kNoTimestamp ? pts : dts) = pts == kNoTimestamp ? dts : pts;
    ++c->filled;
  }
  pts += offset_;
  dts += offset_;
  if (started_) {
    int64_t step = std::max(2 * last_duration_, options_.step_threshold_ns);
    bool reset = dts < last_dts_ - options_.reset_threshold_ns ||
                 (!reordered_ && pts == dts && dts < last_dts_ - step);
    if (reset) {
      int64_t shift = last_dts_ + last_duration_ - dts;
      offset_ += shift;
      pts += shift;
      dts += shift;
      ++c->reanchored;
    } else if (dts > last_dts_ + options_.reset_threshold_ns) {
      ++c->gaps;
    }
    if (dts < last_dts_) {
      dts = last_dts_;
      ++c->dts_clamped;
    }
  }
  if (pts < dts) pts = dts;  // Nothing is presented before it is decoded.
  if (pts != dts) reordered_ = true;
  if (started_ && !reordered_ && pts <= last_pts_) {
    pts = last_pts_ + kNsPerMs;
    dts = pts;  // Without reordering, decode time is presentation time.
    ++c->nudged;
  }
  reorder_delay_ = std::max(reorder_delay_, pts - dts);
  f->pts = pts;
  f->dts = dts;
  f->duration = duration;
  last_dts_ = dts;
  last_pts_ = pts;
  last_duration_ = duration;
  started_ = true;
}

}  // namespace kvs
