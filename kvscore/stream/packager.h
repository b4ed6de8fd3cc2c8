// kvscore/stream/packager.h: turns the frames of up to three tracks into
// KVS fragments in the store.
//
// Per frame: TimestampSanitizer (per track) -> Interleaver (across tracks)
// -> the fragment writer below, which owns the MKV layout (mkv_writer.h)
// and decides where fragments start (kvs-spec.md sections 1, 2, 6, 7 and
// Appendix A.1; upstream-kvssink.md B.7):
//
//   - With a video track: a fragment starts at a video key frame, at every
//     one (key-frame-fragmentation) or at the first after
//     `fragment_duration`; never less than `min_fragment_ns` (KVS: 1 s)
//     after the previous start, except when the stream ends.
//   - Audio only: every `fragment_duration`.
//   - Never longer than `max_fragment_ns` (KVS: 10 s, ERROR 4002) or
//     `max_fragment_bytes` (50 MB, 4001), and never with a SimpleBlock offset
//     outside int16 ms: without a key frame in time, the fragment is cut
//     at the next frame anyway (KVS accepts it; a player can't decode that
//     fragment's start until the next key frame) and a warning counter is
//     raised.
//   - Each fragment's MKV header lists the tracks that have codec private
//     data and are active (see Interleaver): a silent or late pad is left
//     out instead of making KVS reject fragments without its frames (ERROR
//     4011). Header changes (a track joins or leaves, new codec data after a
//     caps change) take effect at the next fragment start, which then opens
//     a new PutMedia body (ContentStore kBoundary). MKV TrackNumbers are
//     assigned per header: video first, from 1.
//   - A video track without codec data (avc3/hev1 or byte-stream input)
//     gets its CodecPrivate from the parameter sets of its first key frame.
//     Byte-stream (Annex-B) frames are converted to 4-byte length prefixes:
//     the one copy of such frames. All other payloads are referenced, never
//     copied.
//   - A frame presented at or before the previous fragment's last frame is
//     moved 1 ms after it (a repair): KVS requires each fragment to start
//     after the previous one ends.
//   - Metadata tags (fragment_metadata.h) go before the next Cluster; an
//     end-of-fragment tag closes the last fragment (Finish) or an idle one
//     (CloseFragment).
//
// Thread-safety: not thread-safe; KvsStream serialises calls.
#ifndef KVSCORE_STREAM_PACKAGER_H_
#define KVSCORE_STREAM_PACKAGER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kvscore/base/clock.h"
#include "kvscore/base/status.h"
#include "kvscore/mkv/mkv_writer.h"
#include "kvscore/store/content_store.h"
#include "kvscore/stream/fragment_metadata.h"
#include "kvscore/stream/frame.h"
#include "kvscore/stream/interleaver.h"
#include "kvscore/stream/timestamp_sanitizer.h"
#include "kvscore/stream/track.h"

namespace kvs {

struct PackagerConfig {
  bool key_frame_fragmentation = true;
  int64_t fragment_duration_ns = 2 * kNsPerSecond;  // fragment-duration.
  bool absolute_fragment_times = true;
  mkv::SegmentInfo segment;                // TimestampScale must be 1 ms here.
  int64_t min_fragment_ns = kNsPerSecond;  // KVS minimum.
  int64_t max_fragment_ns = 10 * kNsPerSecond;        // KVS maximum (4002).
  uint64_t max_fragment_bytes = 50ull * 1000 * 1000;  // Under 4001's 50 MB.
  // Silent-pad bound in real time (live input); 0 for offline input, which
  // only uses the media-span bound.
  int64_t max_interleave_wait_ns = kNsPerSecond;
  int64_t max_interleave_span_ns = 10 * kNsPerSecond;
  int64_t default_frame_duration_ns = 40 * kNsPerMs;  // framerate hint.
};

class Packager {
 public:
  struct Counters {
    uint64_t frames = 0;           // Frames written.
    uint64_t fragments = 0;        // Fragments started.
    uint64_t dropped_frames = 0;   // Frames not written (see below).
    uint64_t waiting_for_key = 0;  // ... of those, before a decodable start.
    uint64_t forced_cuts = 0;      // Fragments cut without a key frame.
    uint64_t header_changes = 0;   // New MKV headers after the first.
    RepairCounters repairs;        // Timestamp repairs (sanitizer + here).
  };

  Packager(PackagerConfig config, ContentStore* store);

  // Sets the tracks, identified by TrackConfig::number (the element's ids).
  // Tracks with codec data are described now (errors: DescribeTrack's);
  // video tracks without it wait for their first key frame; pending tracks
  // (caps not known yet) are waited for by the interleaver, so the first
  // fragment can include them. Changes apply at the next fragment start.
  // Returns the descriptions made now.
  Result<std::vector<TrackDescription>> SetTracks(
      const std::vector<TrackConfig>& tracks);
  bool has_tracks() const { return !tracks_.empty(); }

  // Takes one frame of track `frame.track` (decode order per track).
  // Errors: kFailedPrecondition before SetTracks, kInvalidArgument for an
  // unknown track or an empty frame, kInvalidFrame for a byte-stream frame
  // that can't be converted, kResourceExhausted when the store is full
  // (dropped; later frames wait for the next key frame). `now_mono_ns`
  // stamps frames for latency metrics.
  Status PutFrame(Frame frame, int64_t now_mono_ns);

  // See FragmentMetadata::Add.
  Status PutMetadata(const std::string& name, const std::string& value,
                     bool persistent);

  // The track's pad reached EOS at `now_mono_ns`: its frames stop being
  // waited for.
  void EndTrack(uint32_t track, int64_t now_mono_ns);

  // Drops frames waiting in the interleaver and closes the open fragment
  // (a flush: what comes next starts at a key frame).
  void Flush();

  // Ends the open fragment with the end-of-fragment tag (the producer went
  // idle). No-op without an open fragment.
  void CloseFragment();

  // Writes every queued frame, ends the last fragment with the
  // end-of-fragment tag and finishes the store.
  void Finish();

  bool fragment_open() const { return fragment_open_; }
  // Producer time (ns) of the first fragment, or kNoTimestamp before it.
  // Safe to call from any thread (an atomic), e.g. the network thread
  // while the producer is blocked inside PutFrame().
  int64_t origin_ns() const { return origin_ns_.load(); }
  const Counters& counters() const { return counters_; }

 private:
  struct TrackState {
    TrackConfig config;
    bool described = false;
    TrackDescription description;
    TimestampSanitizer sanitizer;
    uint64_t frames_in_fragment = 0;
    uint32_t mkv_number = 0;  // In the current header; 0 = not in it.
  };

  Status Write(Frame frame, int64_t now_mono_ns);
  Status DescribeFromKeyFrame(TrackState* track, const Frame& frame);
  bool HasVideo() const;
  // The tracks of the header for a fragment starting at `first`.
  std::vector<uint32_t> WantedHeader(const Frame& first) const;
  // True when a header track that can still deliver (or `frame`'s own)
  // has no frame in the open fragment.
  bool FragmentLacksActiveTrack(const Frame& frame) const;
  bool WantsNewFragment(const TrackState& track, const Frame& frame,
                        bool* forced) const;
  Status StartFragment(const Frame& frame, int64_t pts, int64_t now_mono_ns);
  Status InstallHeader(const std::vector<uint32_t>& ids);
  Status AppendBlock(TrackState* track, const Frame& frame, int64_t pts,
                     int64_t now_mono_ns);
  void EndOpenFragment(bool with_end_tag);

  PackagerConfig config_;
  ContentStore* store_;
  std::map<uint32_t, TrackState> tracks_;
  Interleaver interleaver_;
  FragmentMetadata metadata_;
  uint64_t header_id_ = 0;
  std::vector<uint32_t> header_tracks_;  // Ids in the current header.
  bool header_dirty_ = true;             // Codec data changed since.
  bool fragment_open_ = false;
  bool drop_until_key_ = false;
  int64_t fragment_start_ns_ = kNoTimestamp;  // PTS of the Cluster.
  int64_t cluster_ms_ = 0;
  uint64_t fragment_bytes_ = 0;
  int64_t fragment_max_pts_ = kNoTimestamp;  // Latest PTS written into it.
  int64_t previous_max_pts_ = kNoTimestamp;  // ... into the one before.
  std::atomic<int64_t> origin_ns_{kNoTimestamp};
  Counters counters_;
};

}  // namespace kvs

#endif  // KVSCORE_STREAM_PACKAGER_H_
