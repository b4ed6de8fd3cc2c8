// gst/kvssink_sync.h: clock synchronisation for the `sync` property.
//
// With sync=true each buffer is held until its running time on the
// pipeline clock, as GstBaseSink does, so a file streams at its real pace
// (and realtime producer timestamps stay close to the wall clock). Every
// wait can be cancelled: a pad's flush cancels its own wait, a state change
// to PAUSED parks waits until PLAYING, and stopping cancels all of them.
//
// Threads: Wait() on streaming threads; the rest from event handlers and
// state changes. All thread-safe.
#ifndef GST_KVSSINK_SYNC_H_
#define GST_KVSSINK_SYNC_H_

#include <gst/gst.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

namespace kvssink {

class ClockSync {
 public:
  // Blocks until `running_time` (ns) on `element`'s clock while PLAYING.
  // Returns false when the pad is flushing or the element is stopping (the
  // caller drops the buffer and returns GST_FLOW_FLUSHING).
  bool Wait(GstElement* element, GstPad* pad, GstClockTime running_time);

  void SetPlaying(bool playing);
  void SetFlushing(GstPad* pad, bool flushing);
  void SetStopping(bool stopping);

 private:
  void UnscheduleLocked(GstPad* pad);  // pad null: every wait.

  std::mutex mutex_;  // Guards all below.
  std::condition_variable cond_;
  bool playing_ = false;
  bool stopping_ = false;
  std::set<GstPad*> flushing_;
  std::map<GstPad*, GstClockID> waits_;  // Pending clock waits.
};

}  // namespace kvssink

#endif  // GST_KVSSINK_SYNC_H_
