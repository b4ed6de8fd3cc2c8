// kvscore/stream/kvs_stream.h: one KVS stream, as the element sees it.
//
// KvsStream ties the pieces of DESIGN.md's data flow together: frames go
// through the Packager into the ContentStore, and the Uploader drains the
// store to PutMedia on the process-wide network thread.
//
//   KvsStream stream(config, credentials, SystemClock(), &listener);
//   stream.Start();                  // never blocks on the network
//   stream.SetTracks({...});         // from caps, before the first frame
//   stream.PutFrame(frame);          // streaming thread(s)
//   stream.Finish();                 // EOS: listener.OnDrained() follows
//   stream.Stop();                   // or at any time: abort, < 1 s
//
// Threads: every method is thread-safe. PutFrame() never waits for the
// network. Listener callbacks run on the network thread.
#ifndef KVSCORE_STREAM_KVS_STREAM_H_
#define KVSCORE_STREAM_KVS_STREAM_H_

#include <glib.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "kvscore/auth/credential_provider.h"
#include "kvscore/base/clock.h"
#include "kvscore/base/status.h"
#include "kvscore/net/uploader.h"
#include "kvscore/store/content_store.h"
#include "kvscore/stream/frame.h"
#include "kvscore/stream/packager.h"
#include "kvscore/stream/track.h"

namespace kvs {

class NetworkThread;

// A snapshot of one stream's metrics (the element's `stats` property and
// kvssink-stats messages; upstream's StreamMetrics/ClientMetrics, extended).
struct StreamStats {
  ContentStore::Metrics store;  // Sizes in bytes, durations in ms.
  Uploader::Counters upload;
  Packager::Counters packager;
  double frame_rate_fps = 0;     // Frames in per second, last window.
  double transfer_rate_bps = 0;  // Body bytes sent per second (bytes/s).
};

struct StreamConfig {
  PackagerConfig packaging;
  // storage-size: most bytes held awaiting acknowledgement.
  uint64_t storage_bytes = 128ull * 1024 * 1024;
  // From retention-period and fragment-acks (see ContentStore).
  FreeRule free_rule = FreeRule::kOnPersisted;
  // streaming-type=offline: PutFrame() waits for room instead of the store
  // evicting the oldest fragments.
  bool block_when_full = false;
  // buffer-duration, in ms; 0 = no limit.
  int64_t buffer_duration_ms = 0;
  // recalculate-metrics: compute frame and transfer rates in GetStats().
  bool recalculate_metrics = true;
  UploaderConfig upload;
  // stop-stream-timeout: the bound on Finish()'s wait for the last ACK.
  int64_t drain_timeout_ms = 120000;
};

class KvsStream {
 public:
  using Listener = Uploader::Listener;

  // `credentials` non-null; `clock` and `listener` outlive the stream.
  KvsStream(StreamConfig config,
            std::shared_ptr<CredentialProvider> credentials, const Clock& clock,
            Listener* listener);
  ~KvsStream();  // Stop()s.
  KvsStream(const KvsStream&) = delete;
  KvsStream& operator=(const KvsStream&) = delete;

  // Starts the control plane and PutMedia in the background.
  void Start();

  // Sets the tracks (TrackConfig::number is the caller's id for each);
  // call again when one's caps change or a pad joins. Returns the
  // descriptions made now (video without codec data is described from its
  // first key frame), with any caps/codec-data warnings. Errors: those of
  // DescribeTrack().
  Result<std::vector<TrackDescription>> SetTracks(
      const std::vector<TrackConfig>& tracks);

  // kvs-add-metadata: a tag for the next fragment(s). Errors: see
  // FragmentMetadata::Add.
  Status PutMetadata(const std::string& name, const std::string& value,
                     bool persistent);

  // The track's pad reached EOS; its frames are no longer waited for.
  void EndTrack(uint32_t track);

  // A flush: drops frames not yet packaged and closes the open fragment;
  // the upload session stays.
  void Flush();

  // Packages one frame; see Packager::PutFrame for errors. Realtime: never
  // blocks on the network. Offline (block_when_full): waits while the store
  // is full, until ACKs free room; returns kCancelled after Unblock().
  Status PutFrame(Frame frame);

  // Wakes a PutFrame() waiting for room with kCancelled, and makes later
  // waits return at once, until Resume() (flush, state change).
  void Unblock();
  void Resume();

  // Ends the stream: closes the last fragment, then waits (in the
  // background, at most drain_timeout_ms) for its acknowledgement; the
  // listener's OnDrained() reports the outcome.
  void Finish();

  // Aborts everything now; no listener callback runs after it returns.
  void Stop();

  // Which credential source the last credentials came from ("properties",
  // "credential-file", ...); "" before any. Thread-safe.
  std::string credentials_source() const;
  struct SourceNote {
    std::mutex mutex;
    std::string source;
  };

  Packager::Counters packager_counters() const;
  ContentStore::Counters store_counters() const { return store_.counters(); }
  UploadState upload_state() const { return uploader_->state(); }

  // A consistent-enough snapshot (each part under its own lock). Rates are
  // measured over the time since the previous call that was at least 1 s
  // earlier, so polling does not make them noisy. Thread-safe.
  StreamStats GetStats();

  // Calls `tick` on the network thread every `interval_ms` (> 0) until
  // Stop(); replaces any earlier tick. `tick` may call GetStats().
  void SetStatsTick(int64_t interval_ms, std::function<void()> tick);

 private:
  StreamConfig config_;
  std::shared_ptr<CredentialProvider> credentials_;
  std::shared_ptr<SourceNote> source_note_ = std::make_shared<SourceNote>();
  const Clock& clock_;
  std::shared_ptr<NetworkThread> thread_;
  ContentStore store_;
  mutable std::mutex mutex_;  // Serialises the packager's callers. Never
                              // taken on the network thread (but try_lock).
  Packager packager_;
  mutable std::mutex snapshot_mutex_;  // Guards packager_snapshot_.
  Packager::Counters packager_snapshot_;
  bool finished_ = false;  // Guarded by mutex_.
  std::shared_ptr<Uploader> uploader_;

  std::mutex rate_mutex_;  // Guards the rate sample below.
  int64_t rate_time_ns_ = 0;
  uint64_t rate_frames_ = 0;
  uint64_t rate_bytes_ = 0;
  double frame_rate_ = 0;
  double transfer_rate_ = 0;

  // Network thread only.
  guint stats_timer_ = 0;
  int64_t stats_interval_ms_ = 0;
  std::function<void()> stats_tick_;
  void ScheduleStatsTick();
};

}  // namespace kvs

#endif  // KVSCORE_STREAM_KVS_STREAM_H_
