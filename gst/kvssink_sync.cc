#include "gst/kvssink_sync.h"

namespace kvssink {

bool ClockSync::Wait(GstElement* element, GstPad* pad,
                     GstClockTime running_time) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cond_.wait(lock, [&] {
      return playing_ || stopping_ || flushing_.count(pad) > 0;
    });
    if (stopping_ || flushing_.count(pad) > 0) return false;
    GstClock* clock = gst_element_get_clock(element);
    if (clock == nullptr) return true;  // No clock: nothing to wait for.
    GstClockTime target = gst_element_get_base_time(element) + running_time;
    GstClockID id = gst_clock_new_single_shot_id(clock, target);
    gst_object_unref(clock);
    waits_[pad] = id;
    lock.unlock();
    GstClockReturn result = gst_clock_id_wait(id, nullptr);
    lock.lock();
    waits_.erase(pad);
    gst_clock_id_unref(id);
    if (result != GST_CLOCK_UNSCHEDULED) return true;
    // Unscheduled by a pause, flush or stop: the loop decides which.
  }
}

void ClockSync::UnscheduleLocked(GstPad* pad) {
  for (auto& wait : waits_) {
    if (pad == nullptr || wait.first == pad)
      gst_clock_id_unschedule(wait.second);
  }
}

void ClockSync::SetPlaying(bool playing) {
  std::lock_guard<std::mutex> lock(mutex_);
  playing_ = playing;
  if (!playing) UnscheduleLocked(nullptr);  // Re-waits once PLAYING again.
  cond_.notify_all();
}

void ClockSync::SetFlushing(GstPad* pad, bool flushing) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (flushing) {
    flushing_.insert(pad);
    UnscheduleLocked(pad);
  } else {
    flushing_.erase(pad);
  }
  cond_.notify_all();
}

void ClockSync::SetStopping(bool stopping) {
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = stopping;
  if (stopping) UnscheduleLocked(nullptr);
  cond_.notify_all();
}

}  // namespace kvssink
