#include "kvscore/net/put_media_session.h"

#include <sys/socket.h>
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include "kvscore/auth/sigv4.h"
#include "kvscore/base/log.h"
#include "kvscore/mkv/mkv_writer.h"
#include "kvscore/net/network_thread.h"

namespace kvs {
namespace {

// Bigger than curl's 64 KiB default: fewer read callbacks at high bitrates.
constexpr long kUploadBufferBytes = 128 * 1024;
// The kernel's send buffer for PutMedia (Linux doubles it). Autotuning
// would grow it to several MiB: on a link slower than the bitrate that is
// tens of seconds of media that can neither be evicted nor replayed. This
// still allows ~10 MB/s at 100 ms RTT (KVS takes 12.5 MB/s per stream).
constexpr int kSendBufferBytes = 512 * 1024;

int CapSendBuffer(void*, curl_socket_t fd, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    int size = kSendBufferBytes;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  }
  return CURL_SOCKOPT_OK;
}
constexpr size_t kMaxErrorBody = 16 * 1024;
constexpr size_t kTrimSentAbove = 256;

std::string FormatStartTimestamp(int64_t ms) {
  char text[32];
  std::snprintf(text, sizeof(text), "%" PRId64 ".%03" PRId64, ms / 1000,
                ms % 1000);
  return text;
}

}  // namespace

PutMediaSession::PutMediaSession(NetworkThread* thread, ContentStore* store,
                                 PutMediaParams params, Delegate* delegate)
    : thread_(thread),
      store_(store),
      params_(std::move(params)),
      delegate_(delegate) {}

PutMediaSession::~PutMediaSession() {
  if (running_) thread_->RemoveTransfer(easy_);
  if (easy_ != nullptr) {
    store_->ReleaseCursor(cursor_);
    curl_easy_cleanup(easy_);
  }
  curl_slist_free_all(headers_);
}

Status PutMediaSession::Start(const Credentials& credentials,
                              int64_t signing_time_ns) {
  HttpRequest request;
  request.url = JoinUrl(params_.data_endpoint, "/putMedia");
  request.headers = {
      {"Content-Type", "application/json"},
      {"Transfer-Encoding", "chunked"},
      {"x-amzn-stream-name", params_.stream_name},
      {"x-amzn-fragment-timecode-type",
       params_.absolute_timecodes ? "ABSOLUTE" : "RELATIVE"},
      {"x-amzn-producer-start-timestamp",
       FormatStartTimestamp(params_.producer_start_ms)},
      {"x-amzn-fragment-acknowledgment-required",
       params_.acks_required ? "1" : "0"},
  };
  if (!params_.api.user_agent.empty()) {
    request.headers.emplace_back("User-Agent", params_.api.user_agent);
  }
  KVS_RETURN_IF_ERROR(SignHttpRequest(&request, credentials, params_.api.region,
                                      signing_time_ns,
                                      std::string(kEmptyPayloadSha256)));
  url_ = request.url;
  signed_at_ns_ = signing_time_ns;
  for (const auto& header : request.headers) {
    headers_ = curl_slist_append(headers_,
                                 (header.first + ": " + header.second).c_str());
  }
  headers_ = curl_slist_append(headers_, "Expect:");  // No 100-continue wait.

  cursor_ = store_->OpenCursor(params_.replay_window_ms);
  easy_ = curl_easy_init();
  ApplyTransportOptions(easy_, params_.api.transport);
  curl_easy_setopt(easy_, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(easy_, CURLOPT_POST, 1L);
  curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION,
                   static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(easy_, CURLOPT_READFUNCTION, &PutMediaSession::OnRead);
  curl_easy_setopt(easy_, CURLOPT_READDATA, this);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &PutMediaSession::OnWrite);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &PutMediaSession::OnHeader);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy_, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
  curl_easy_setopt(easy_, CURLOPT_TCP_KEEPALIVE, 1L);
  // Its own connection (not one the control plane left in the cache), so
  // the send buffer cap applies; never reused afterwards either.
  curl_easy_setopt(easy_, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy_, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy_, CURLOPT_SOCKOPTFUNCTION, &CapSendBuffer);
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
  running_ = true;
  thread_->AddTransfer(easy_, [this](CURLcode code) { OnDone(code); });
  KVS_LOG_INFO("PutMedia session to %s for stream %s from fragment %" PRIu64,
               url_.c_str(), params_.stream_name.c_str(), cursor_.fragment);
  return Status::Ok();
}

void PutMediaSession::EndAtNextFragment() {
  bool inside = cursor_.piece > 0 || cursor_.offset > 0;
  cursor_.stop_at = cursor_.fragment + (inside ? 1 : 0);
  Wake();
}

void PutMediaSession::Wake() {
  if (!running_ || !paused_) return;
  paused_ = false;
  curl_easy_pause(easy_, CURLPAUSE_CONT);
}

size_t PutMediaSession::OnRead(char* buffer, size_t size, size_t count,
                               void* self) {
  return static_cast<PutMediaSession*>(self)->Read(buffer, size * count);
}

size_t PutMediaSession::OnHeader(char* data, size_t size, size_t count,
                                 void* self) {
  auto* session = static_cast<PutMediaSession*>(self);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    session->reply_headers_.clear();  // A new reply (e.g. after a 100).
  } else if (session->reply_headers_.size() < 64) {
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() &&
             (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
        value.remove_suffix(1);
      }
      session->reply_headers_.emplace_back(std::string(line.substr(0, colon)),
                                           std::string(value));
    }
  }
  return size * count;
}

size_t PutMediaSession::OnWrite(char* data, size_t size, size_t count,
                                void* self) {
  static_cast<PutMediaSession*>(self)->Write(data, size * count);
  return size * count;
}

void PutMediaSession::TrackFragments() {
  for (const FragmentInfo& info : entered_) {
    sent_.emplace_back(info.timecode, info.index);
    if (first_fragment_ < 0) first_fragment_ = static_cast<int64_t>(info.index);
    delegate_->OnFragmentStarted(this, info.index);
  }
  entered_.clear();
  if (sent_.size() > kTrimSentAbove) {
    FragmentInfo info;
    while (!sent_.empty() && !store_->Info(sent_.front().second, &info)) {
      sent_.pop_front();
    }
  }
}

size_t PutMediaSession::WriteBoundaryTag(char* buffer, size_t capacity) {
  // KVS acknowledges a fragment when the next Cluster or an end-of-fragment
  // tag arrives; at a boundary (or the end of a finished stream) no Cluster
  // follows in this body, so close the last fragment with the tag, unless
  // it already ended with one.
  if (boundary_tag_.empty() && !boundary_tag_sent_) {
    boundary_tag_sent_ = true;
    FragmentInfo info;
    bool needs_tag = !sent_.empty() &&
                     store_->Info(sent_.back().second, &info) &&
                     !info.has_trailer;
    if (!needs_tag) return 0;
    boundary_tag_ = mkv::EndOfFragmentTags();
  }
  size_t n = std::min(capacity, boundary_tag_.size() - boundary_tag_offset_);
  std::memcpy(buffer, boundary_tag_.data() + boundary_tag_offset_, n);
  boundary_tag_offset_ += n;
  bytes_sent_ += n;
  return n;
}

size_t PutMediaSession::Read(char* buffer, size_t capacity) {
  ReadState state;
  size_t n = store_->Read(&cursor_, reinterpret_cast<uint8_t*>(buffer),
                          capacity, &state, &entered_);
  TrackFragments();
  KVS_LOG_TRACE(
      "PutMedia read: %zu bytes, state %d, cursor at fragment %" PRIu64, n,
      static_cast<int>(state), cursor_.fragment);
  if (n > 0) {
    bytes_sent_ += n;
    return n;
  }
  if (state == ReadState::kEnd) return 0;  // Ends the chunked body.
  if (state == ReadState::kFinishing) {
    size_t tag = WriteBoundaryTag(buffer, capacity);
    if (tag > 0) return tag;
  }
  if (state == ReadState::kBoundary) {
    boundary_ = true;
    size_t tag = WriteBoundaryTag(buffer, capacity);
    if (tag > 0) return tag;
    FragmentInfo info;
    bool all_acked = true;
    for (const auto& sent : sent_) {
      all_acked = all_acked && !store_->Info(sent.second, &info);
    }
    if (all_acked) return 0;
  }
  paused_ = true;
  return CURL_READFUNC_PAUSE;
}

void PutMediaSession::Write(const char* data, size_t length) {
  if (http_status_ == 0) {
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &http_status_);
    delegate_->OnResponseStarted(this, http_status_);
  }
  if (http_status_ != 200) {
    if (error_body_.size() < kMaxErrorBody) error_body_.append(data, length);
    return;
  }
  std::vector<FragmentAck> acks;
  Status status = parser_.Feed(
      ByteSpan(reinterpret_cast<const uint8_t*>(data), length), &acks);
  if (!status.ok()) KVS_LOG_WARNING("%s", status.ToString().c_str());
  for (const FragmentAck& ack : acks) {
    int64_t index = -1;
    for (const auto& sent : sent_) {
      if (sent.first == ack.fragment_timecode) {
        index = static_cast<int64_t>(sent.second);
        break;
      }
    }
    delegate_->OnAck(this, ack, index);
  }
}

void PutMediaSession::OnDone(CURLcode code) {
  running_ = false;
  if (code != CURLE_OK) {
    delegate_->OnSessionEnded(this, SessionEnd::kFailed,
                              StatusFromCurl(code, error_, "PutMedia", url_));
    return;
  }
  if (http_status_ == 0) {
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &http_status_);
  }
  if (http_status_ != 200) {
    HttpResponse response;
    response.status = http_status_;
    response.headers = reply_headers_;
    response.body = error_body_;
    CorrectClockFromReply(params_.api.skew, response, signed_at_ns_);
    delegate_->OnSessionEnded(this, SessionEnd::kFailed,
                              ServiceError(response, "PutMedia"));
    return;
  }
  if (boundary_) {
    delegate_->OnSessionEnded(this, SessionEnd::kBoundary, Status::Ok());
  } else if (store_->Drained()) {
    delegate_->OnSessionEnded(this, SessionEnd::kCompleted, Status::Ok());
  } else {
    delegate_->OnSessionEnded(this, SessionEnd::kFailed,
                              Status(StatusCode::kNetworkError,
                                     "PutMedia response to " + url_ +
                                         " ended before the upload finished"));
  }
}

}  // namespace kvs
