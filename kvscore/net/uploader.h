// kvscore/net/uploader.h: the upload engine of one stream.
//
// Runs the producer's side of KVS on the network thread, in the background
// (state changes never wait for it; frames are buffered in the store
// meanwhile). The flow follows AWS's producer (upstream-kvssink.md B.1,
// upstream-wire-capture.md section 4; DESIGN.md "Wire behaviour"):
//
//   DescribeStream -> [CreateStream if missing and allowed] -> [TagStream if
//   tags] -> GetDataEndpoint(PUT_MEDIA) -> PutMedia session -> ...
//
// Control-plane results are cached: a reconnect reuses the endpoint until a
// call fails with InvalidEndpoint or not-found, a session cannot connect,
// or two sessions in a row fail.
//
// Errors are classified (error_class.h):
//   - retriable (connect/transport failures, timeouts, throttling, 5xx, a
//     PutMedia response that ended early, retriable ERROR ACKs 4000, 4003,
//     5000, 5001 and unknown ids): retried after exponential backoff with
//     full jitter (base 100 ms, doubling, capped at 10 s). Until the stream
//     first works, a control-plane call gives up after
//     `max_control_plane_attempts` (a wrong endpoint fails fast); after
//     that, control-plane calls and PutMedia sessions retry without limit
//     while `restart_on_error` is true.
//   - not authorized: credentials are fetched again and the call retried
//     once; a second rejection is fatal.
//   - not found: CreateStream when allowed, else fatal; also when the stream
//     disappears while streaming (404, or ERROR ACK 4008/4507: the fragment
//     in progress is resent to the recreated stream, not skipped).
//   - non-retriable ERROR ACKs (4001, 4002, 4004-4007, 4009-4012,
//     4500-4506): the fragment is skipped (never resent), reported, and
//     streaming goes on.
//   - anything else (e.g. InvalidArgument, a TLS failure such as a server
//     certificate the trust store does not verify): fatal at once.
//
// Replay: each session starts at the store's replay point (content_store.h:
// offline everything unpersisted; realtime the first fragment not RECEIVED,
// at most `replay_duration_ms` back). Fragments the store drops (full
// storage, buffer-duration, replay window, lost in flight) are logged and
// reported through Listener::OnFragmentDropped.
// A fatal error stops the engine and is reported once through
// Listener::OnFatalError.
//
// Threads: every method may be called from any thread; listener callbacks
// run on the network thread. Create with std::make_shared.
#ifndef KVSCORE_NET_UPLOADER_H_
#define KVSCORE_NET_UPLOADER_H_

#include <glib.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "kvscore/auth/credentials.h"
#include "kvscore/base/clock.h"
#include "kvscore/base/status.h"
#include "kvscore/net/ack_parser.h"
#include "kvscore/net/control_plane.h"
#include "kvscore/net/put_media_session.h"
#include "kvscore/net/session_health.h"
#include "kvscore/store/content_store.h"

namespace kvs {

class NetworkThread;

// The engine's externally visible state (element message
// kvssink-stream-state uses these names).
enum class UploadState {
  kIdle,          // Not started.
  kConnecting,    // Control plane or first PutMedia connection.
  kStreaming,     // A PutMedia session answered 200.
  kReconnecting,  // Waiting to retry after a failure.
  kDraining,      // Finish requested; waiting for the last ACK.
  kStopped,       // Finished, stopped or failed.
};
const char* UploadStateName(UploadState state);

// Asks for credentials; `done` may run on any thread, now or later.
using CredentialFetch = std::function<void(
    bool force_refresh, std::function<void(Result<Credentials>)> done)>;

struct UploaderConfig {
  std::string stream_name;
  std::string control_plane_url;  // Endpoint for the control plane.
  ApiContext api;
  bool allow_create_stream = true;
  CreateStreamParams create;  // Used when the stream is missing.
  // When set and it returns a non-empty string, it replaces
  // create.media_type at CreateStream time (e.g. derived from the caps
  // negotiated by then). Called on the network thread; must not block.
  std::function<std::string()> media_type;
  std::map<std::string, std::string> tags;  // TagStream when non-empty.
  bool absolute_timecodes = true;
  bool acks_required = true;
  bool restart_on_error = true;
  // Control-plane attempts before the stream first works (then: no limit
  // while restart_on_error).
  int max_control_plane_attempts = 5;
  // replay-duration, ms: realtime sessions replay at most this far back
  // from the newest fragment; 0 = no limit. Offline ignores it.
  int64_t replay_duration_ms = 40000;
  int64_t backoff_base_ms = 100;
  int64_t backoff_cap_ms = 10000;
  // Producer start timestamp (ms since the epoch) for a new session;
  // default: now.
  std::function<int64_t()> producer_start_ms;
  // Session health (session_health.h): connection-staleness, max-latency,
  // rotation-period (capped at 40 min) and the idle end-of-fragment delay.
  HealthLimits health;
  // Closes the open fragment with an end-of-fragment tag after `health.
  // idle_ns` without frames. Runs on the network thread; must not block
  // (use try_lock).
  std::function<void()> end_idle_fragment;
  // When a session fails twice in a row, or cannot connect, the cached data
  // endpoint is dropped and GetDataEndpoint is called again.
  int session_failures_before_endpoint_refresh = 2;
  // How often the health rules are checked, in ms.
  int64_t watchdog_interval_ms = 1000;
};

class Uploader : public std::enable_shared_from_this<Uploader>,
                 private PutMediaSession::Delegate {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnStateChanged(UploadState state, const std::string& reason) {}
    // Every ACK, with the fragment's info when it is known.
    virtual void OnAck(const FragmentAck& ack, const FragmentInfo* info) {}
    // A fragment was rejected with a non-retriable ERROR ACK and skipped.
    virtual void OnFragmentSkipped(const FragmentInfo& info,
                                   const Status& status) {}
    // A whole fragment was dropped before KVS acknowledged it (see
    // DropReason); each dropped fragment is reported once.
    virtual void OnFragmentDropped(const FragmentInfo& info,
                                   DropReason reason) {}
    // A retriable failure; the engine will retry.
    virtual void OnRetry(const Status& status, int64_t delay_ms) {}
    // Streaming cannot continue. Called at most once.
    virtual void OnFatalError(const Status& status) = 0;
    // Drain() finished: OK when everything was acknowledged, kTimeout when
    // the bound expired, or the fatal error that ended streaming.
    virtual void OnDrained(const Status& status) = 0;
  };

  Uploader(std::shared_ptr<NetworkThread> thread, ContentStore* store,
           UploaderConfig config, CredentialFetch credentials,
           const Clock& clock, Listener* listener);
  ~Uploader() override;

  // Starts the control-plane flow in the background.
  void Start();
  // After ContentStore::Finish(): ends the body once the last fragment is
  // acknowledged, or after `timeout_ms`; then Listener::OnDrained.
  void Drain(int64_t timeout_ms);
  // Stops everything now. When it returns, no callback will run again.
  void Stop();

  // A frame entered the stream at `mono_ns`; `fragment_open` says whether a
  // fragment is now open. Thread-safe and cheap (atomics), for the idle
  // end-of-fragment rule.
  void NoteFrame(int64_t mono_ns, bool fragment_open);

  UploadState state() const { return state_; }

  // Cumulative counts, readable from any thread.
  struct Counters {
    uint64_t sessions = 0;    // PutMedia requests started.
    uint64_t reconnects = 0;  // Sessions started after a failure.
    uint64_t acks_buffering = 0;
    uint64_t acks_received = 0;
    uint64_t acks_persisted = 0;
    uint64_t acks_error = 0;
    uint64_t acks_idle = 0;
    uint64_t retries = 0;    // Backoff waits scheduled.
    std::string last_error;  // Status::ToString() of the last failure.
    UploadState state = UploadState::kIdle;
  };
  Counters counters() const;

 private:
  void OnAck(PutMediaSession* session, const FragmentAck& ack,
             int64_t fragment_index) override;
  void OnResponseStarted(PutMediaSession* session, long http_status) override;
  void OnFragmentStarted(PutMediaSession* session, uint64_t index) override;
  void OnSessionEnded(PutMediaSession* session, SessionEnd end,
                      const Status& status) override;
  void ScheduleWatchdog();
  void ReportDropped(const FragmentInfo& info, DropReason reason);
  void Watchdog();
  void AbortSession(const Status& status);

  void SetState(UploadState state, const std::string& reason);
  void FetchCredentialsThen(bool force, std::function<void()> next);
  ControlPlaneTarget Target() const;
  void Describe();
  void Create();
  void Tag();
  void GetEndpoint();
  void OpenSession();
  void HandleControlPlaneError(const Status& status,
                               std::function<void()> retry);
  void HandleSessionError(const Status& status);
  void ScheduleRetry(const Status& status, std::function<void()> retry);
  void Fail(const Status& status);
  void FinishDrain(const Status& status);
  void WakeSession();
  void RunOnThread(std::function<void()> fn);

  std::shared_ptr<NetworkThread> thread_;
  ContentStore* store_;
  UploaderConfig config_;
  CredentialFetch fetch_credentials_;
  const Clock& clock_;
  Listener* listener_;

  mutable std::mutex counters_mutex_;  // Guards counters_.
  Counters counters_;
  bool reconnecting_ = false;  // The next session follows a failure.

  // Network thread only, below.
  UploadState state_ = UploadState::kIdle;
  Credentials credentials_;
  std::string stream_arn_;
  std::string data_endpoint_;  // Cached until a call fails.
  bool stream_ready_ = false;  // Describe/Create/Tag succeeded once.
  std::unique_ptr<HttpCall> call_;
  std::unique_ptr<PutMediaSession> session_;
  int attempts_ = 0;       // Consecutive failures of the current step.
  int auth_failures_ = 0;  // Consecutive not-authorized answers.
  guint retry_timer_ = 0;
  guint drain_timer_ = 0;
  guint watchdog_timer_ = 0;
  SessionHealth health_;
  bool rotating_ = false;     // The session ends at a boundary.
  int session_failures_ = 0;  // Consecutive failed sessions.
  std::atomic<int64_t> last_frame_mono_{0};
  std::atomic<bool> fragment_open_{false};
  bool draining_ = false;
  bool stopped_ = false;
  bool fatal_ = false;
  Status fatal_status_;
  uint64_t session_generation_ = 0;  // Bumped per PutMedia session.
  Status ack_error_;                 // The current session's ERROR ACK, if any.
  std::mt19937_64 random_;
};

}  // namespace kvs

#endif  // KVSCORE_NET_UPLOADER_H_
