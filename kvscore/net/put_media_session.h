// kvscore/net/put_media_session.h: one PutMedia request.
//
// A session is one chunked `POST <DataEndpoint>/putMedia` whose body is one
// MKV Segment read from the ContentStore as the socket accepts it, while the
// ACKs stream back on the response (kvs-spec.md section 2; DESIGN.md "Wire
// behaviour"). Headers:
//
//   x-amzn-stream-name: <stream>
//   x-amzn-fragment-timecode-type: ABSOLUTE | RELATIVE
//   x-amzn-producer-start-timestamp: <seconds>.<ms>
//   x-amzn-fragment-acknowledgment-required: 1 | 0
//   User-Agent, Content-Type: application/json (as AWS's producer sends),
//   Transfer-Encoding: chunked, X-Amz-Date, [X-Amz-Security-Token],
//   Authorization (SigV4, service kinesisvideo, empty-payload hash).
//
// No sleeps, no polling: when the store has nothing to send, curl's read
// callback pauses the upload; Wake() (posted by the store's data listener)
// resumes it on the network thread. The connection and TLS handshake happen
// as soon as the session starts, even before the first frame exists.
//
// The body ends (terminating chunk) when the store reports kEnd (after
// Finish() and the last ACK), or at a fragment boundary (kBoundary: the
// next fragment needs a new MKV header, or EndAtNextFragment() asked for a
// rotation) once every fragment this session sent is acknowledged, so the
// next session can start there without losing or repeating a fragment.
//
// Threads: construct, Start(), Wake(), and destroy on the network thread.
// The delegate is called on the network thread; it may destroy the session
// only from OnSessionEnded() (or later), never from OnAck().
#ifndef KVSCORE_NET_PUT_MEDIA_SESSION_H_
#define KVSCORE_NET_PUT_MEDIA_SESSION_H_

#include <curl/curl.h>

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "kvscore/auth/credentials.h"
#include "kvscore/base/status.h"
#include "kvscore/net/ack_parser.h"
#include "kvscore/net/aws_request.h"
#include "kvscore/store/content_store.h"

namespace kvs {

class NetworkThread;

struct PutMediaParams {
  std::string data_endpoint;  // From GetDataEndpoint(PUT_MEDIA); no path.
  std::string stream_name;
  bool absolute_timecodes = true;  // ABSOLUTE, else RELATIVE.
  bool acks_required = true;
  // x-amzn-producer-start-timestamp, ms since the epoch.
  int64_t producer_start_ms = 0;
  // replay-duration for the store's replay point (ContentStore::OpenCursor).
  int64_t replay_window_ms = 0;
  ApiContext api;  // Region, user agent, transport (completion timeout unused).
};

// Why a session ended, besides its Status.
enum class SessionEnd {
  kCompleted,  // The body ended because the stream finished (kEnd).
  kBoundary,   // The body ended at a fragment boundary (new MKV header
               // or rotation); the next session starts there.
  kFailed,     // Transport failure or HTTP error; see the Status.
};

class PutMediaSession {
 public:
  class Delegate {
   public:
    virtual ~Delegate() = default;
    // One parsed ACK; `fragment_index` is the store index of the fragment
    // whose Cluster timestamp matches, or -1 if none (e.g. IDLE).
    virtual void OnAck(PutMediaSession* session, const FragmentAck& ack,
                       int64_t fragment_index) = 0;
    // The HTTP response status arrived (200 means the upload is accepted).
    virtual void OnResponseStarted(PutMediaSession* session, long http_status) {
    }
    // The session began sending fragment `index` (called from inside a
    // curl callback: record, don't start or stop transfers here).
    virtual void OnFragmentStarted(PutMediaSession* session, uint64_t index) {}
    // The request finished. Always called exactly once after Start() unless
    // the session is destroyed first.
    virtual void OnSessionEnded(PutMediaSession* session, SessionEnd end,
                                const Status& status) = 0;
  };

  PutMediaSession(NetworkThread* thread, ContentStore* store,
                  PutMediaParams params, Delegate* delegate);
  // Aborts a running request (no OnSessionEnded) and releases its cursor.
  ~PutMediaSession();
  PutMediaSession(const PutMediaSession&) = delete;
  PutMediaSession& operator=(const PutMediaSession&) = delete;

  // Opens a store cursor at the replay point, signs and starts the request.
  // Errors: kSigningFailed/kInvalidArgument (not started; no callback).
  Status Start(const Credentials& credentials, int64_t signing_time_ns);

  // Resumes a paused upload because the store has news. Cheap when not
  // paused.
  void Wake();

  // Ends the body at the next fragment boundary, once what was sent is
  // acknowledged (session rotation); the session then ends with kBoundary.
  void EndAtNextFragment();

  // Bytes of body handed to curl so far.
  uint64_t bytes_sent() const { return bytes_sent_; }
  // Index of the first fragment this session sent; -1 before any.
  int64_t first_fragment() const { return first_fragment_; }

 private:
  static size_t OnRead(char* buffer, size_t size, size_t count, void* self);
  static size_t OnWrite(char* data, size_t size, size_t count, void* self);
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  size_t Read(char* buffer, size_t capacity);
  size_t WriteBoundaryTag(char* buffer, size_t capacity);
  void Write(const char* data, size_t length);
  void TrackFragments();
  void OnDone(CURLcode code);

  NetworkThread* thread_;
  ContentStore* store_;
  PutMediaParams params_;
  Delegate* delegate_;
  UploadCursor cursor_;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  std::string url_;
  AckParser parser_;
  std::string error_body_;     // Body of a non-200 reply.
  HttpHeaders reply_headers_;  // Headers of the final reply.
  int64_t signed_at_ns_ = 0;
  long http_status_ = 0;
  bool running_ = false;
  bool paused_ = false;
  bool boundary_ = false;  // The body stopped at a fragment boundary.
  bool boundary_tag_sent_ = false;
  std::vector<uint8_t> boundary_tag_;  // End-of-fragment Tags to send.
  size_t boundary_tag_offset_ = 0;
  uint64_t bytes_sent_ = 0;
  int64_t first_fragment_ = -1;
  std::vector<FragmentInfo> entered_;  // Filled by each store Read().
  // (Cluster timestamp, store index) of fragments this session entered.
  std::deque<std::pair<int64_t, uint64_t>> sent_;
  char error_[CURL_ERROR_SIZE] = {0};
};

}  // namespace kvs

#endif  // KVSCORE_NET_PUT_MEDIA_SESSION_H_
