// kvscore/stream/interleaver.h: merges the tracks of one stream into one
// time-ordered sequence, with a bounded wait.
//
// Each track's frames arrive in decode order on their own GStreamer
// streaming thread. A fragment must hold them interleaved in time, and a
// video key frame may only start a fragment once every audio frame that is
// presented before it has been written (kvs-spec.md section 1: a fragment's
// earliest frame must follow the previous fragment's latest).
//
// Frames are ordered by a key that decides which fragment they land in:
// their PTS, except that a video key frame (a possible fragment start)
// keys at min(its PTS, the latest PTS of its track so far + 1 ms; frames
// before the track's first key frame do not count). A frame
// of another track presented before that key goes before the key frame
// (into the old fragment); one presented at or after it goes after (into
// the new one), so no frame of the new fragment overlaps the old one:
// not the trailing B-frames of a closed GOP, and not the RASL pictures that
// follow an open-GOP CRA while being presented before it.
//
// A frame is released when every active track has a frame queued (so
// nothing earlier can still come), or when the queued media spans
// `max_span_ns`, or (when `max_wait_ns` > 0: live input) when it has waited
// `max_wait_ns` of real (monotonic) time. Real time, not media time,
// decides silence: a file plays faster than real time and its pads'
// threads may drift far apart in media time without any pad being silent;
// offline input therefore uses no wall-clock bound at all. A track that
// makes others wait that long is marked silent, so the packager can leave
// it out of the next MKV header (KVS rejects a fragment with no frame for
// one of its tracks, error 4011); it becomes active again with its next
// frame. A pad that never delivers (a late or dead pad) therefore stalls
// the others by at most `max_wait_ns`.
//
// Pure logic: times are passed in; not thread-safe (the packager's lock
// serialises it). Memory is bounded by the frames that arrive within
// `max_wait_ns`, and by `max_span_ns` of media.
#ifndef KVSCORE_STREAM_INTERLEAVER_H_
#define KVSCORE_STREAM_INTERLEAVER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "kvscore/stream/frame.h"

namespace kvs {

class Interleaver {
 public:
  explicit Interleaver(int64_t max_wait_ns,
                       int64_t max_span_ns = 10 * 1000 * 1000 * 1000LL)
      : max_wait_ns_(max_wait_ns), max_span_ns_(max_span_ns) {}

  // Declares a track (video or audio). Frames of undeclared tracks pass
  // straight through.
  void AddTrack(uint32_t track, bool video);
  void RemoveTrack(uint32_t track);

  // Queues a sanitized frame (pts and dts set) that arrived at `now_ns`
  // (monotonic).
  void Push(Frame frame, int64_t now_ns);

  // The next frame that may go at `now_ns` (monotonic), if any.
  bool Pop(Frame* frame, int64_t now_ns);

  // The track will send nothing more (EOS): never wait for it again.
  void EndTrack(uint32_t track);

  // Releases everything queued, in order (end of stream, flush).
  void Drain(std::vector<Frame>* out);

  // True while `track` is active: not silent, and not ended unless it still
  // has frames queued.
  bool Active(uint32_t track) const;

  // The key of `track`'s first queued frame (ns); INT64_MAX when none.
  int64_t HeadKey(uint32_t track) const;

  // Frames queued across tracks.
  size_t queued() const;

 private:
  struct Entry {
    int64_t key;
    int64_t arrival;  // Monotonic ns.
    Frame frame;
  };
  struct Track {
    bool video = false;
    bool ended = false;
    bool silent = false;
    // Latest PTS pushed since the track's first key frame (video frames
    // before it can start no fragment and are dropped downstream).
    int64_t max_pts = INT64_MIN;
    bool keyed = false;
    std::deque<Entry> queue;
  };
  Track* Earliest();

  int64_t max_wait_ns_;
  int64_t max_span_ns_;
  std::map<uint32_t, Track> tracks_;
  std::deque<Frame> passthrough_;
};

}  // namespace kvs

#endif  // KVSCORE_STREAM_INTERLEAVER_H_
