// kvscore/net/uploader_control_plane.cc: the Uploader's control-plane flow
// (DescribeStream -> [CreateStream] -> [TagStream] -> GetDataEndpoint), its
// retries with backoff, and the fatal path. See uploader.h.
#include <algorithm>
#include <utility>

#include "kvscore/base/log.h"
#include "kvscore/net/error_class.h"
#include "kvscore/net/network_thread.h"
#include "kvscore/net/uploader.h"

namespace kvs {

void Uploader::FetchCredentialsThen(bool force, std::function<void()> next) {
  std::weak_ptr<Uploader> weak = weak_from_this();
  std::shared_ptr<NetworkThread> thread = thread_;
  fetch_credentials_(force, [weak, thread, next](Result<Credentials> result) {
    thread->Post([weak, next, result] {
      std::shared_ptr<Uploader> self = weak.lock();
      if (!self || self->stopped_) return;
      if (!result.ok()) return self->Fail(result.status());
      self->credentials_ = result.value();
      next();
    });
  });
}

ControlPlaneTarget Uploader::Target() const {
  ControlPlaneTarget target;
  target.thread = thread_.get();
  target.endpoint_url = config_.control_plane_url;
  target.api = config_.api;
  target.credentials = credentials_;
  target.signing_time_ns = clock_.RealtimeNs();
  return target;
}

void Uploader::Describe() {
  auto call = DescribeStream(
      Target(), config_.stream_name, [this](Result<StreamDescription> d) {
        if (!d.ok()) {
          if (d.status().code() != StatusCode::kResourceNotFound) {
            return HandleControlPlaneError(d.status(), [this] { Describe(); });
          }
          if (config_.allow_create_stream) return Create();
          return Fail(d.status());
        }
        auth_failures_ = 0;
        // Deleted while we streamed: wait until it is gone, then recreate.
        bool recreate = stream_ready_ && config_.allow_create_stream;
        if (d->status == "DELETING" && !recreate) {
          return Fail(Status(StatusCode::kStreamNotActive,
                             "stream " + config_.stream_name +
                                 " is being deleted; wait and restart, or "
                                 "use another stream-name"));
        }
        if (d->status != "ACTIVE") {  // CREATING or UPDATING: ask again.
          Status wait(StatusCode::kStreamNotActive,
                      "stream " + config_.stream_name + " is " + d->status);
          return HandleControlPlaneError(wait, [this] { Describe(); });
        }
        attempts_ = 0;
        stream_arn_ = d->stream_arn;
        if (!config_.tags.empty()) return Tag();
        GetEndpoint();
      });
  if (!call.ok()) return Fail(call.status());
  call_ = std::move(call).value();
}

void Uploader::Create() {
  CreateStreamParams params = config_.create;
  params.stream_name = config_.stream_name;
  if (config_.media_type) {
    std::string derived = config_.media_type();
    if (!derived.empty()) params.media_type = derived;
  }
  auto call = CreateStream(Target(), params, [this](Result<std::string> arn) {
    if (!arn.ok()) {
      if (arn.status().aws_error_type() == "ResourceInUseException") {
        return Describe();  // Someone else created it meanwhile.
      }
      return HandleControlPlaneError(arn.status(), [this] { Create(); });
    }
    KVS_LOG_INFO("created stream %s", arn->c_str());
    attempts_ = 0;
    Describe();  // Waits for ACTIVE, then tags and endpoint.
  });
  if (!call.ok()) return Fail(call.status());
  call_ = std::move(call).value();
}

void Uploader::Tag() {
  auto call = TagStream(Target(), stream_arn_, config_.stream_name,
                        config_.tags, [this](Result<bool> ok) {
                          if (!ok.ok()) {
                            return HandleControlPlaneError(ok.status(),
                                                           [this] { Tag(); });
                          }
                          attempts_ = 0;
                          GetEndpoint();
                        });
  if (!call.ok()) return Fail(call.status());
  call_ = std::move(call).value();
}

void Uploader::GetEndpoint() {
  auto call =
      GetDataEndpoint(Target(), config_.stream_name, "PUT_MEDIA",
                      [this](Result<std::string> endpoint) {
                        if (!endpoint.ok()) {
                          return HandleControlPlaneError(
                              endpoint.status(), [this] { GetEndpoint(); });
                        }
                        attempts_ = 0;
                        data_endpoint_ = *endpoint;
                        stream_ready_ = true;
                        OpenSession();
                      });
  if (!call.ok()) return Fail(call.status());
  call_ = std::move(call).value();
}

void Uploader::HandleControlPlaneError(const Status& status,
                                       std::function<void()> retry) {
  if (status.code() == StatusCode::kNotAuthorized) {
    if (++auth_failures_ > 1) return Fail(status);
    return FetchCredentialsThen(true, std::move(retry));
  }
  if (status.code() == StatusCode::kResourceNotFound && stream_ready_) {
    // The stream went away while we streamed: describe it again, which
    // recreates it when allowed and fails otherwise.
    data_endpoint_.clear();
    return ScheduleRetry(status, [this] { Describe(); });
  }
  bool waiting = status.code() == StatusCode::kStreamNotActive;
  if (!IsRetriable(status) && !waiting) return Fail(status);
  // Before the stream ever worked, a few attempts tell a wrong endpoint or
  // setting from a hiccup. Once it streamed, a 24/7 producer keeps trying
  // (backoff capped at backoff_cap_ms) while restart-on-error allows.
  bool persistent = stream_ready_ && config_.restart_on_error;
  if (attempts_ + 1 >= config_.max_control_plane_attempts && !waiting &&
      !persistent) {
    Status last = status;
    return Fail(Status(status.code(), status.message() + " (gave up after " +
                                          std::to_string(attempts_ + 1) +
                                          " attempts)")
                    .set_http_status(last.http_status())
                    .set_aws_error_type(last.aws_error_type()));
  }
  ScheduleRetry(status, std::move(retry));
}

void Uploader::ScheduleRetry(const Status& status,
                             std::function<void()> retry) {
  call_.reset();
  int shift = std::min(attempts_, 20);
  int64_t ceiling =
      std::min(config_.backoff_cap_ms, config_.backoff_base_ms << shift);
  int64_t delay = std::uniform_int_distribution<int64_t>(0, ceiling)(random_);
  ++attempts_;
  {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    ++counters_.retries;
    counters_.last_error = status.ToString();
  }
  SetState(UploadState::kReconnecting, status.ToString());
  listener_->OnRetry(status, delay);
  std::weak_ptr<Uploader> weak = weak_from_this();
  retry_timer_ = thread_->AddTimer(delay, [weak, retry] {
    std::shared_ptr<Uploader> self = weak.lock();
    if (!self || self->stopped_) return;
    self->retry_timer_ = 0;
    retry();
  });
}

void Uploader::Fail(const Status& status) {
  if (fatal_) return;
  fatal_ = true;
  fatal_status_ = status;
  {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    counters_.last_error = status.ToString();
  }
  thread_->CancelTimer(retry_timer_);
  retry_timer_ = 0;
  call_.reset();
  session_.reset();
  KVS_LOG_ERROR("stream %s: %s", config_.stream_name.c_str(),
                status.ToString().c_str());
  SetState(UploadState::kStopped, status.ToString());
  listener_->OnFatalError(status);
  if (draining_) FinishDrain(status);
}

}  // namespace kvs
