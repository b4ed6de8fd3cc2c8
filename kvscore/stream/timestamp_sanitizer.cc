#include "kvscore/stream/timestamp_sanitizer.h"

#include <algorithm>

namespace kvs {

int64_t TimestampSanitizer::Duration(const Frame& frame) const {
  if (frame.duration != kNoTimestamp && frame.duration > 0) {
    return frame.duration;
  }
  return last_duration_ > 0 ? last_duration_ : options_.default_duration_ns;
}

int64_t TimestampSanitizer::Outage(int64_t now_ns) const {
  if (now_ns == kNoTimestamp || last_arrival_ == kNoTimestamp) return 0;
  int64_t elapsed = now_ns - last_arrival_;
  return elapsed > last_duration_ + options_.step_threshold_ns ? elapsed : 0;
}

void TimestampSanitizer::Repair(Frame* f, RepairCounters* c, int64_t now_ns) {
  int64_t duration = Duration(*f);
  int64_t pts = f->pts, dts = f->dts;
  bool synthesized = false;  // Neither timestamp came from the source.
  if (pts == kNoTimestamp && dts == kNoTimestamp) {
    if (!started_) return;  // Nothing to continue from: left for the caller.
    // Offset added below.
    dts = pts = last_dts_ + std::max(duration, Outage(now_ns)) - offset_;
    ++c->filled;
    synthesized = true;
  } else if (pts == kNoTimestamp || dts == kNoTimestamp) {
    (pts == kNoTimestamp ? pts : dts) = pts == kNoTimestamp ? dts : pts;
    ++c->filled;
  }
  pts += offset_;
  dts += offset_;
  if (started_) {
    // A step back beyond what reordering explains is a clock step. (With
    // B-frames, DTS a source filled from PTS may go back by the reorder
    // depth; the first frame that reveals reordering is not judged.)
    int64_t jitter = 2 * last_duration_ + (reordered_ ? 2 * reorder_delay_ : 0);
    int64_t step = std::max(jitter, options_.step_threshold_ns);
    // Judged against the source's own previous DTS: a repair that moved
    // the previous frame forward (a duplicate after an outage) is no step.
    bool reset = dts < last_source_dts_ - options_.reset_threshold_ns ||
                 ((reordered_ || pts == dts) && dts < last_source_dts_ - step);
    if (reset) {
      int64_t shift =
          last_dts_ + std::max(last_duration_, Outage(now_ns)) - dts;
      offset_ += shift;
      pts += shift;
      dts += shift;
      ++c->reanchored;
    } else if (dts > last_dts_ + options_.reset_threshold_ns) {
      ++c->gaps;
    }
  }
  if (!synthesized) last_source_dts_ = dts;
  if (started_) {
    if (dts < last_dts_) {
      dts = last_dts_;
      ++c->dts_clamped;
    }
  }
  if (pts < dts) pts = dts;  // Nothing is presented before it is decoded.
  if (pts != dts) reordered_ = true;
  if (started_ && !reordered_ && pts <= last_pts_) {
    pts = last_pts_ + std::max(kNsPerMs, Outage(now_ns));
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
  last_arrival_ = now_ns;
  started_ = true;
}

}  // namespace kvs
