// kvscore/stream/packager.h: turns frames into KVS fragments in the store.
//
// The packager owns the MKV session layout (mkv_writer.h) and decides where
// fragments start (kvs-spec.md sections 1, 2 and 6; upstream-kvssink.md
// B.7):
//   - key-frame-fragmentation on: every video key frame starts a Cluster
//     (a fragment);
//   - off: the first key frame at or after `fragment_duration` since the
//     fragment started;
//   - audio-only streams (no video track): by duration, as every audio frame
//     is a key frame.
// The first fragment starts at the first key frame; frames before it can't
// be decoded and are dropped (counted). Cluster timestamps are the starting
// key frame's PTS in ms: epoch ms with absolute fragment times, else ms since
// the first fragment. SimpleBlock timestamps are PTS relative to the
// Cluster, which must fit in int16 (32.767 s at 1 ms).
//
// Frames must arrive with producer-time timestamps, each track in decode
// order and the tracks interleaved in time. Payload bytes are referenced,
// never copied (the store keeps the frame's BytesRef).
//
// Thread-safety: not thread-safe; the owner (KvsStream) serialises calls.
#ifndef KVSCORE_STREAM_PACKAGER_H_
#define KVSCORE_STREAM_PACKAGER_H_

#include <cstdint>
#include <vector>

#include "kvscore/base/clock.h"
#include "kvscore/base/status.h"
#include "kvscore/mkv/mkv_writer.h"
#include "kvscore/store/content_store.h"
#include "kvscore/stream/frame.h"

namespace kvs {

struct PackagerConfig {
  bool key_frame_fragmentation = true;
  int64_t fragment_duration_ns = 2 * kNsPerSecond;  // fragment-duration.
  bool absolute_fragment_times = true;
  mkv::SegmentInfo segment;  // TimestampScale must be 1 ms here.
};

class Packager {
 public:
  struct Counters {
    uint64_t frames = 0;           // Frames written.
    uint64_t fragments = 0;        // Fragments started.
    uint64_t dropped_frames = 0;   // Frames not written (see below).
    uint64_t waiting_for_key = 0;  // ... of those, before a key frame.
  };

  Packager(PackagerConfig config, ContentStore* store);

  // Sets the tracks; the next fragment starts a new MKV header generation.
  // Errors: see mkv::SessionHeader.
  Status SetTracks(std::vector<mkv::TrackEntry> tracks);
  bool has_tracks() const { return !tracks_.empty(); }

  // Writes one frame. Errors: kFailedPrecondition before SetTracks,
  // kInvalidArgument for an unknown track or empty frame, kInvalidTimestamp
  // when the frame has no timestamp or its block offset overflows int16
  // (dropped), kResourceExhausted when the store is full (dropped; frames
  // are then dropped up to the next key frame, so no fragment has a hole).
  // `now_mono_ns` stamps new fragments for latency metrics.
  Status PutFrame(const Frame& frame, int64_t now_mono_ns);

  // Ends the open fragment with the end-of-fragment tag and finishes the
  // store: after the last ACK the PutMedia body ends.
  void Finish();

  // Ends the open fragment with the end-of-fragment tag (the producer went
  // idle), so KVS acknowledges it now; the next fragment starts at the next
  // key frame. No-op without an open fragment.
  void CloseFragment();
  bool fragment_open() const { return fragment_open_; }

  // Producer time (ns) of the first fragment, or kNoTimestamp before it.
  int64_t origin_ns() const { return origin_ns_; }
  const Counters& counters() const { return counters_; }

 private:
  bool HasVideo() const;
  bool StartsFragment(const Frame& frame, int64_t pts) const;
  Status BeginFragment(int64_t pts, int64_t now_mono_ns);

  PackagerConfig config_;
  ContentStore* store_;
  std::vector<mkv::TrackEntry> tracks_;
  uint64_t header_id_ = 0;
  bool header_pending_ = false;  // New tracks not yet in the store.
  bool fragment_open_ = false;
  bool drop_until_key_ = false;
  int64_t fragment_start_ns_ = kNoTimestamp;  // PTS of the Cluster.
  int64_t cluster_ms_ = 0;
  int64_t origin_ns_ = kNoTimestamp;
  Counters counters_;
};

}  // namespace kvs

#endif  // KVSCORE_STREAM_PACKAGER_H_
