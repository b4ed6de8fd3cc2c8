#include "kvscore/net/uploader.h"

#include <algorithm>
#include <cinttypes>
#include <utility>

#include "kvscore/base/log.h"
#include "kvscore/net/error_class.h"
#include "kvscore/net/network_thread.h"

namespace kvs {
namespace {

Status AckStatus(const FragmentAck& ack) {
  Status status(StatusCode::kAckError,
                "PutMedia ERROR ACK for fragment timecode " +
                    std::to_string(ack.fragment_timecode));
  status.set_kvs_error_id(ack.error_id);
  return status;
}

}  // namespace

const char* UploadStateName(UploadState state) {
  switch (state) {
    case UploadState::kIdle:
      return "idle";
    case UploadState::kConnecting:
      return "connecting";
    case UploadState::kStreaming:
      return "streaming";
    case UploadState::kReconnecting:
      return "reconnecting";
    case UploadState::kDraining:
      return "draining";
    case UploadState::kStopped:
      return "stopped";
  }
  return "unknown";
}

Uploader::Uploader(std::shared_ptr<NetworkThread> thread, ContentStore* store,
                   UploaderConfig config, CredentialFetch credentials,
                   const Clock& clock, Listener* listener)
    : thread_(std::move(thread)),
      store_(store),
      config_(std::move(config)),
      fetch_credentials_(std::move(credentials)),
      clock_(clock),
      listener_(listener),
      health_(config_.health),
      random_(static_cast<uint64_t>(clock.MonotonicNs())) {}

Uploader::~Uploader() { Stop(); }

void Uploader::RunOnThread(std::function<void()> fn) {
  std::weak_ptr<Uploader> weak = weak_from_this();
  thread_->Post([weak, fn = std::move(fn)] {
    std::shared_ptr<Uploader> self = weak.lock();
    if (self && !self->stopped_) fn();
  });
}

void Uploader::Start() {
  std::weak_ptr<Uploader> weak = weak_from_this();
  std::shared_ptr<NetworkThread> thread = thread_;
  store_->SetDataListener([weak, thread] {
    thread->Post([weak] {
      std::shared_ptr<Uploader> self = weak.lock();
      if (self && !self->stopped_) self->WakeSession();
    });
  });
  store_->SetEvictionListener(
      [weak, thread](const FragmentInfo& info, DropReason reason) {
        thread->Post([weak, info, reason] {
          std::shared_ptr<Uploader> self = weak.lock();
          if (self && !self->stopped_) self->ReportDropped(info, reason);
        });
      });
  RunOnThread([this] {
    SetState(UploadState::kConnecting, "describing stream");
    ScheduleWatchdog();
    FetchCredentialsThen(false, [this] { Describe(); });
  });
}

void Uploader::NoteFrame(int64_t mono_ns, bool fragment_open) {
  last_frame_mono_.store(mono_ns, std::memory_order_relaxed);
  fragment_open_.store(fragment_open, std::memory_order_relaxed);
}

void Uploader::ReportDropped(const FragmentInfo& info, DropReason reason) {
  KVS_LOG_WARNING("stream %s: dropped fragment at %" PRId64
                  " ms (%u frames, %" PRIu64 " bytes): %s",
                  config_.stream_name.c_str(), info.timecode, info.frames,
                  info.bytes, DropReasonName(reason));
  listener_->OnFragmentDropped(info, reason);
}

void Uploader::ScheduleWatchdog() {
  std::weak_ptr<Uploader> weak = weak_from_this();
  watchdog_timer_ = thread_->AddTimer(config_.watchdog_interval_ms, [weak] {
    std::shared_ptr<Uploader> self = weak.lock();
    if (!self || self->stopped_) return;
    self->watchdog_timer_ = 0;
    self->Watchdog();
    if (!self->fatal_) self->ScheduleWatchdog();
  });
}

void Uploader::Watchdog() {
  int64_t now = clock_.MonotonicNs();
  int64_t last_frame = last_frame_mono_.load(std::memory_order_relaxed);
  if (last_frame != 0) health_.FrameArrived(last_frame);
  health_.SetFragmentOpen(fragment_open_.load(std::memory_order_relaxed));
  int64_t oldest = store_->OldestUnsentMonoNs();
  HealthAction action = health_.Check(now, oldest != 0 ? now - oldest : 0);
  switch (action) {
    case HealthAction::kNone:
      return;
    case HealthAction::kStale:
      if (!session_) return;
      return AbortSession(
          Status(StatusCode::kNetworkError,
                 "no BUFFERING ACK within connection-staleness (" +
                     std::to_string(config_.health.staleness_ns / kNsPerMs) +
                     " ms); reconnecting"));
    case HealthAction::kLatency:
      if (!session_) return;
      return AbortSession(
          Status(StatusCode::kNetworkError,
                 "buffered media is older than max-latency (" +
                     std::to_string(config_.health.max_latency_ns / kNsPerMs) +
                     " ms); reconnecting"));
    case HealthAction::kRotate:
      if (session_ && !rotating_) {
        KVS_LOG_INFO("stream %s: rotating the PutMedia session",
                     config_.stream_name.c_str());
        rotating_ = true;
        session_->EndAtNextFragment();
      }
      return;
    case HealthAction::kIdleEnd:
      KVS_LOG_INFO("stream %s: no frames; ending the open fragment",
                   config_.stream_name.c_str());
      fragment_open_.store(false, std::memory_order_relaxed);
      if (config_.end_idle_fragment) config_.end_idle_fragment();
      return;
  }
}

void Uploader::AbortSession(const Status& status) {
  session_.reset();
  HandleSessionError(status);
}

void Uploader::Drain(int64_t timeout_ms) {
  RunOnThread([this, timeout_ms] {
    draining_ = true;
    if (fatal_) return FinishDrain(fatal_status_);
    SetState(UploadState::kDraining, "end of stream");
    std::weak_ptr<Uploader> weak = weak_from_this();
    drain_timer_ = thread_->AddTimer(timeout_ms, [weak, timeout_ms] {
      std::shared_ptr<Uploader> self = weak.lock();
      if (!self || self->stopped_) return;
      self->drain_timer_ = 0;
      self->FinishDrain(
          Status(StatusCode::kTimeout,
                 "stop-stream-timeout (" + std::to_string(timeout_ms) +
                     " ms) expired before the last fragment was acknowledged"));
    });
    if (!session_ && store_->Drained()) return FinishDrain(Status::Ok());
    WakeSession();  // The session ends its body once all is acknowledged.
  });
}

void Uploader::Stop() {
  store_->SetDataListener(nullptr);
  store_->SetEvictionListener(nullptr);
  thread_->RunSync([this] {
    stopped_ = true;
    thread_->CancelTimer(retry_timer_);
    thread_->CancelTimer(drain_timer_);
    thread_->CancelTimer(watchdog_timer_);
    retry_timer_ = drain_timer_ = watchdog_timer_ = 0;
    call_.reset();
    session_.reset();
    state_ = UploadState::kStopped;
  });
}

Uploader::Counters Uploader::counters() const {
  std::lock_guard<std::mutex> lock(counters_mutex_);
  return counters_;
}

void Uploader::SetState(UploadState state, const std::string& reason) {
  if (state_ == state) return;
  state_ = state;
  {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    counters_.state = state;
  }
  KVS_LOG_INFO("stream %s: %s (%s)", config_.stream_name.c_str(),
               UploadStateName(state), reason.c_str());
  listener_->OnStateChanged(state, reason);
}

void Uploader::OpenSession() {
  call_.reset();
  if (data_endpoint_.empty()) return GetEndpoint();
  PutMediaParams params;
  params.data_endpoint = data_endpoint_;
  params.stream_name = config_.stream_name;
  params.absolute_timecodes = config_.absolute_timecodes;
  params.acks_required = config_.acks_required;
  params.producer_start_ms = config_.producer_start_ms
                                 ? config_.producer_start_ms()
                                 : clock_.RealtimeNs() / kNsPerMs;
  params.api = config_.api;
  params.replay_window_ms = config_.replay_duration_ms;
  ++session_generation_;
  ack_error_ = Status::Ok();
  {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    ++counters_.sessions;
    if (reconnecting_) ++counters_.reconnects;
  }
  reconnecting_ = false;
  PutMediaSession::Delegate* delegate = this;
  session_ = std::make_unique<PutMediaSession>(thread_.get(), store_,
                                               std::move(params), delegate);
  Status started = session_->Start(credentials_, clock_.RealtimeNs());
  if (!started.ok()) {
    session_.reset();
    return Fail(started);
  }
  rotating_ = false;
  int64_t now = clock_.MonotonicNs();
  health_.SessionStarted(now);
  int64_t deadline = 0;
  if (credentials_.expiration_ns.has_value()) {
    // Rotate before the credentials expire: a quarter of their remaining
    // life early, at most 3 minutes (upstream: up to ~3 min of jitter).
    int64_t left = *credentials_.expiration_ns - clock_.RealtimeNs();
    int64_t margin = std::min<int64_t>(3 * 60 * kNsPerSecond, left / 4);
    deadline = now + std::max<int64_t>(left - margin, 0);
  }
  health_.SetCredentialsDeadline(deadline);
}

void Uploader::WakeSession() {
  if (session_) session_->Wake();
}

void Uploader::OnResponseStarted(PutMediaSession* session, long http_status) {
  if (session != session_.get() || http_status != 200) return;
  auth_failures_ = 0;
  session_failures_ = 0;
  SetState(draining_ ? UploadState::kDraining : UploadState::kStreaming,
           "PutMedia accepted");
}

void Uploader::OnFragmentStarted(PutMediaSession* session, uint64_t index) {
  health_.FragmentStarted(index, clock_.MonotonicNs());
}

void Uploader::OnAck(PutMediaSession* session, const FragmentAck& ack,
                     int64_t fragment_index) {
  FragmentInfo info;
  bool known = fragment_index >= 0 &&
               store_->Info(static_cast<uint64_t>(fragment_index), &info);
  {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    switch (ack.type) {
      case AckEventType::kBuffering:
        ++counters_.acks_buffering;
        break;
      case AckEventType::kReceived:
        ++counters_.acks_received;
        break;
      case AckEventType::kPersisted:
        ++counters_.acks_persisted;
        break;
      case AckEventType::kError:
        ++counters_.acks_error;
        break;
      case AckEventType::kIdle:
        ++counters_.acks_idle;
        break;
      case AckEventType::kUnknown:
        break;
    }
  }
  if (known) {
    uint64_t index = static_cast<uint64_t>(fragment_index);
    if (ack.type != AckEventType::kError) health_.FragmentBuffering(index);
    if (ack.type == AckEventType::kBuffering) {
      store_->Acknowledge(index, AckLevel::kBuffering);
      attempts_ = 0;
    } else if (ack.type == AckEventType::kReceived) {
      store_->Acknowledge(index, AckLevel::kReceived);
    } else if (ack.type == AckEventType::kPersisted) {
      store_->Acknowledge(index, AckLevel::kPersisted);
    }
  }
  listener_->OnAck(ack, known ? &info : nullptr);
  if (ack.type == AckEventType::kError) {
    Status status = AckStatus(ack);
    if (known && IsNonRetriableAck(ack.error_id)) {
      store_->Skip(info.index, &info);
      listener_->OnFragmentSkipped(info, status);
    }
    // KVS ends the request after an ERROR; don't wait for it to notice.
    // The response usually ends right behind the ERROR: whichever comes
    // first handles the failure, with the ERROR's classification.
    ack_error_ = status;
    uint64_t generation = session_generation_;
    RunOnThread([this, generation] {
      if (generation != session_generation_ || !session_) return;
      session_.reset();
      HandleSessionError(ack_error_);
    });
    return;
  }
  WakeSession();  // A freed fragment may let the body end.
}

void Uploader::OnSessionEnded(PutMediaSession* session, SessionEnd end,
                              const Status& status) {
  if (session != session_.get()) return;
  session_.reset();  // Releases its cursor before any new session opens.
  switch (end) {
    case SessionEnd::kCompleted:
      FinishDrain(Status::Ok());
      SetState(UploadState::kStopped, "all fragments acknowledged");
      return;
    case SessionEnd::kBoundary:
      if (rotating_) {  // Fresh credentials (the cache refreshes if due).
        return FetchCredentialsThen(false, [this] { OpenSession(); });
      }
      OpenSession();
      return;
    case SessionEnd::kFailed:
      HandleSessionError(ack_error_.ok() ? status : ack_error_);
      return;
  }
}

void Uploader::HandleSessionError(const Status& status) {
  reconnecting_ = true;
  ++session_failures_;
  if (status.code() == StatusCode::kConnectFailed ||
      status.code() == StatusCode::kTlsFailed ||
      session_failures_ >= config_.session_failures_before_endpoint_refresh) {
    data_endpoint_.clear();  // OpenSession() asks GetDataEndpoint again.
  }
  {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    counters_.last_error = status.ToString();
  }
  KVS_LOG_WARNING("stream %s: PutMedia: %s", config_.stream_name.c_str(),
                  status.ToString().c_str());
  if (status.code() == StatusCode::kNotAuthorized) {
    if (++auth_failures_ > 1) return Fail(status);
    return FetchCredentialsThen(true, [this] { OpenSession(); });
  }
  bool stream_gone = status.code() == StatusCode::kAckError &&
                     IsStreamGoneAck(status.kvs_error_id());
  if (stream_gone || status.code() == StatusCode::kResourceNotFound ||
      status.code() == StatusCode::kInvalidEndpoint ||
      status.code() == StatusCode::kStreamNotActive) {
    // Describe again (recreating the stream when allowed); the fragment in
    // progress was not skipped and is resent.
    data_endpoint_.clear();  // The cached endpoint is no longer trusted.
    return ScheduleRetry(status, [this] { Describe(); });
  }
  bool non_retriable_ack = status.code() == StatusCode::kAckError &&
                           IsNonRetriableAck(status.kvs_error_id());
  if (non_retriable_ack) return OpenSession();  // The fragment was skipped.
  if (!IsRetriable(status) || !config_.restart_on_error) return Fail(status);
  ScheduleRetry(status, [this] { OpenSession(); });
}

void Uploader::FinishDrain(const Status& status) {
  if (!draining_) return;
  draining_ = false;
  thread_->CancelTimer(drain_timer_);
  drain_timer_ = 0;
  if (!status.ok()) session_.reset();
  listener_->OnDrained(status);
}

}  // namespace kvs
