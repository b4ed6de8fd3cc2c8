#include "kvscore/stream/kvs_stream.h"

#include <utility>

#include "kvscore/auth/caching_credential_provider.h"
#include "kvscore/net/network_thread.h"

namespace kvs {
namespace {

// Adapts a CredentialProvider to the Uploader's fetch hook. A forced fetch
// (after the service rejected the credentials) drops a cached copy first.
// The source of the credentials handed out is noted for error messages.
CredentialFetch MakeFetch(std::shared_ptr<CredentialProvider> provider,
                          std::shared_ptr<KvsStream::SourceNote> note) {
  return [provider, note](bool force,
                          std::function<void(Result<Credentials>)> done) {
    if (force) {
      auto* caching = dynamic_cast<CachingCredentialProvider*>(provider.get());
      if (caching != nullptr) caching->Invalidate();
    }
    provider->Fetch([note, done](Result<Credentials> result) {
      if (result.ok()) {
        std::lock_guard<std::mutex> lock(note->mutex);
        note->source = result->source;
      }
      done(std::move(result));
    });
  };
}

StoreOptions StoreOptionsFor(const StreamConfig& config) {
  StoreOptions options;
  options.max_bytes = config.storage_bytes;
  options.rule = config.free_rule;
  options.block_when_full = config.block_when_full;
  options.max_duration_ms = config.buffer_duration_ms;
  return options;
}

// Bytes a frame adds besides its payload: a SimpleBlock header and maybe a
// Cluster start and tags. An estimate for WaitForRoom(); the append checks.
constexpr uint64_t kFrameOverheadBytes = 128;

}  // namespace

KvsStream::KvsStream(StreamConfig config,
                     std::shared_ptr<CredentialProvider> credentials,
                     const Clock& clock, Listener* listener)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      clock_(clock),
      thread_(NetworkThread::Acquire()),
      store_(StoreOptionsFor(config_)),
      packager_(config_.packaging, &store_) {
  UploaderConfig upload = config_.upload;
  upload.absolute_timecodes = config_.packaging.absolute_fragment_times;
  if (!upload.absolute_timecodes) {
    // RELATIVE: producer time = start timestamp + Cluster timecode, so the
    // start timestamp must be the stream's origin in every session.
    // Runs on the network thread: it must not take mutex_, which PutFrame
    // holds while an offline stream waits for ACKs to free room.
    upload.producer_start_ms = [this] {
      int64_t origin = packager_.origin_ns();
      return (origin == kNoTimestamp ? clock_.RealtimeNs() : origin) / kNsPerMs;
    };
  }
  uploader_ = std::make_shared<Uploader>(thread_, &store_, std::move(upload),
                                         MakeFetch(credentials_, source_note_),
                                         clock_, listener);
}

KvsStream::~KvsStream() {
  Stop();
  uploader_.reset();
}

void KvsStream::Start() { uploader_->Start(); }

Result<std::vector<TrackDescription>> KvsStream::SetTracks(
    const std::vector<TrackConfig>& tracks) {
  std::lock_guard<std::mutex> lock(mutex_);
  return packager_.SetTracks(tracks);
}

Status KvsStream::PutMetadata(const std::string& name, const std::string& value,
                              bool persistent) {
  std::lock_guard<std::mutex> lock(mutex_);
  return packager_.PutMetadata(name, value, persistent);
}

void KvsStream::EndTrack(uint32_t track) {
  std::lock_guard<std::mutex> lock(mutex_);
  packager_.EndTrack(track, clock_.MonotonicNs());
}

void KvsStream::Flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  packager_.Flush();
  uploader_->NoteFrame(clock_.MonotonicNs(), packager_.fragment_open());
}

Status KvsStream::PutFrame(Frame frame) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) {
    return Status(StatusCode::kFailedPrecondition, "stream already finished");
  }
  if (config_.block_when_full && frame.data) {
    KVS_RETURN_IF_ERROR(
        store_.WaitForRoom(frame.data->size() + kFrameOverheadBytes));
  }
  int64_t now = clock_.MonotonicNs();
  Status status = packager_.PutFrame(std::move(frame), now);
  uploader_->NoteFrame(now, packager_.fragment_open());
  std::lock_guard<std::mutex> snapshot(snapshot_mutex_);
  packager_snapshot_ = packager_.counters();
  return status;
}

void KvsStream::Unblock() { store_.CancelWaits(); }

void KvsStream::Resume() { store_.ResumeWaits(); }

void KvsStream::Finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) return;
    finished_ = true;
    packager_.Finish();
  }
  uploader_->Drain(config_.drain_timeout_ms);
}

void KvsStream::Stop() {
  store_.CancelWaits();
  thread_->RunSync([this] {
    thread_->CancelTimer(stats_timer_);
    stats_timer_ = 0;
    stats_tick_ = nullptr;
  });
  uploader_->Stop();
}

StreamStats KvsStream::GetStats() {
  StreamStats stats;
  stats.store = store_.GetMetrics();
  stats.upload = uploader_->counters();
  stats.packager = packager_counters();
  if (!config_.recalculate_metrics) return stats;
  std::lock_guard<std::mutex> lock(rate_mutex_);
  int64_t now = clock_.MonotonicNs();
  const ContentStore::Counters& c = stats.store.counters;
  if (rate_time_ns_ == 0) {
    rate_time_ns_ = now;
    rate_frames_ = c.frames_in;
    rate_bytes_ = c.bytes_read;
  } else if (now - rate_time_ns_ >= kNsPerSecond) {
    double seconds = static_cast<double>(now - rate_time_ns_) / kNsPerSecond;
    frame_rate_ = static_cast<double>(c.frames_in - rate_frames_) / seconds;
    transfer_rate_ = static_cast<double>(c.bytes_read - rate_bytes_) / seconds;
    rate_time_ns_ = now;
    rate_frames_ = c.frames_in;
    rate_bytes_ = c.bytes_read;
  }
  stats.frame_rate_fps = frame_rate_;
  stats.transfer_rate_bps = transfer_rate_;
  return stats;
}

void KvsStream::SetStatsTick(int64_t interval_ms, std::function<void()> tick) {
  thread_->RunSync([this, interval_ms, tick] {
    thread_->CancelTimer(stats_timer_);
    stats_timer_ = 0;
    stats_interval_ms_ = interval_ms;
    stats_tick_ = tick;
    if (interval_ms > 0 && stats_tick_) ScheduleStatsTick();
  });
}

void KvsStream::ScheduleStatsTick() {
  stats_timer_ = thread_->AddTimer(stats_interval_ms_, [this] {
    stats_timer_ = 0;
    if (!stats_tick_) return;
    stats_tick_();
    ScheduleStatsTick();
  });
}

std::string KvsStream::credentials_source() const {
  std::lock_guard<std::mutex> lock(source_note_->mutex);
  return source_note_->source;
}

Packager::Counters KvsStream::packager_counters() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return packager_snapshot_;
}

}  // namespace kvs
