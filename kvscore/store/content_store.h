// kvscore/store/content_store.h: fragments held in memory until KVS
// acknowledges them.
//
// The packager (stream/) appends each fragment's bytes as `Piece`s: small
// MKV headers it wrote (Cluster start, SimpleBlock headers, Tags: held
// inline, no allocation) and frame payloads (held by reference to the
// producer's buffer: no copy). The PutMedia session (net/) reads the body
// through an `UploadCursor`, copying bytes once, into curl's send buffer.
//
// A fragment is freed when KVS acknowledges it at the level the stream
// requires (kvs-spec.md section 2 "Response"; section 10):
//   - PERSISTED normally;
//   - RECEIVED when the stream has no retention (nothing is persisted);
//   - fully sent, when ACKs are disabled (fragment-acks=false).
// Until then it stays, so a new session can replay it (DESIGN.md data flow,
// step 8). Memory is bounded by `max_bytes`, counting bytes really held;
// nothing is reserved up front.
//
// When an append would exceed `max_bytes` (storage-size), or the held media
// would span more than `max_duration_ms` (buffer-duration):
//   - realtime (block_when_full false): the store evicts whole complete
//     fragments that no session is reading, never part of one:
//       1. first those already handed to the socket and not yet
//          acknowledged, oldest first: their bytes are in flight, so they
//          are most likely not lost; they are reported as dropped only if
//          their session ends before KVS acknowledges them;
//       2. then unsent ones, oldest first, each reported at once;
//       3. as a last resort the open fragment, if no byte of it was sent
//          (the producer then drops frames up to the next key frame);
//     if that is not enough the append fails with kResourceExhausted;
//   - offline (block_when_full true): nothing is evicted; the producer calls
//     WaitForRoom(), which blocks until ACKs free enough, or until
//     CancelWaits() (flush, state change, fatal error).
// Every dropped fragment is counted (Counters::evicted_*) and reported once
// to the eviction listener, with the reason.
//
// Replay (OpenCursor, upstream-kvssink.md B.4): a new session starts at
//   - offline: the first fragment not freed (not PERSISTED): everything;
//   - realtime: the first fragment KVS has not RECEIVED (a RECEIVED
//     fragment whose session ended is final: KVS has all of it), and no
//     further back than `replay_window_ms` (replay-duration) before the
//     newest fragment. The window only limits the rollback over fragments
//     an earlier session already sent (in whole or in part) without an
//     acknowledgement: those older than the window are dropped and reported
//     (the stream catches up with live instead). A fragment no session has
//     sent yet is never dropped by the window, however old (e.g. a file
//     pushed faster than real time while the first session was starting):
//     only storage-size and buffer-duration evict it, and it is reported.
//
// Per client (process): ClientTotals() sums every live store's storage
// size and bytes held, kept in atomics as bytes come and go.
//
// Metrics (Metrics()): held and unsent bytes and durations, and latency
// histograms measured cheaply under the store's lock: frame in -> its last
// byte handed to the socket, and a fragment's last frame in -> RECEIVED /
// PERSISTED.
//
// Thread-safety: all methods are thread-safe (one mutex per store). The
// producer side is called from GStreamer streaming threads, the reader side
// from the network thread. Listeners are called without the lock held.
#ifndef KVSCORE_STORE_CONTENT_STORE_H_
#define KVSCORE_STORE_CONTENT_STORE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/clock.h"
#include "kvscore/base/histogram.h"
#include "kvscore/base/status.h"

namespace kvs {

// A contiguous run of body bytes: up to kInlineBytes held inline, or a
// reference to [offset, offset + length) of a Bytes.
struct Piece {
  static constexpr size_t kInlineBytes = 22;

  BytesRef ref;  // Null for an inline piece.
  uint32_t offset = 0;
  uint32_t length = 0;
  uint8_t inline_bytes[kInlineBytes];
  // Monotonic ns when the frame this payload belongs to entered kvscore;
  // 0 for headers. Drives the frame -> socket latency metric.
  int64_t stamp_ns = 0;

  // An inline copy of `bytes` (bytes.size() <= kInlineBytes) or, if longer,
  // a reference to a fresh owned copy.
  static Piece Copy(const std::vector<uint8_t>& bytes);
  // A reference to all of `ref`.
  static Piece Ref(BytesRef ref);
  // An inline copy of `size` bytes (size <= kInlineBytes), no allocation.
  static Piece Inline(const uint8_t* data, size_t size);
  const uint8_t* data() const {
    return ref ? ref->data() + offset : inline_bytes;
  }
};

// How far KVS has acknowledged a fragment.
enum class AckLevel : uint8_t { kNone, kBuffering, kReceived, kPersisted };

// When a fragment may be freed.
enum class FreeRule : uint8_t {
  kOnPersisted,  // Retention > 0 and ACKs on: wait for PERSISTED.
  kOnReceived,   // Retention 0: KVS never persists; RECEIVED is final.
  kOnSent,       // ACKs off: nothing will come back.
};

// A snapshot of one fragment, for callbacks and metrics.
struct FragmentInfo {
  uint64_t index = 0;    // 0-based, increasing per stream.
  int64_t timecode = 0;  // Cluster timestamp (ms): the FragmentTimecode.
  uint64_t bytes = 0;
  uint32_t frames = 0;
  int64_t first_frame_mono_ns = 0;  // Monotonic time its first frame came in.
  int64_t last_frame_mono_ns = 0;   // ... and its last frame.
  bool has_trailer = false;         // Ended by EndFragment() with trailer bytes
                                    // (an end-of-fragment tag).
};

// Why a fragment was dropped without being delivered.
enum class DropReason : uint8_t {
  kStorageFull,     // storage-size was reached (realtime).
  kBufferDuration,  // It fell out of buffer-duration (realtime).
  kReplayWindow,    // Unacknowledged and older than replay-duration when a
                    // new session started (realtime).
  kLostInFlight,    // Evicted while in flight; its session ended before
                    // KVS acknowledged it.
};
// "storage-full", "buffer-duration", "replay-window", "lost-in-flight".
const char* DropReasonName(DropReason reason);

struct StoreOptions {
  uint64_t max_bytes = 128ull << 20;  // storage-size, in bytes.
  FreeRule rule = FreeRule::kOnPersisted;
  // Offline mode: the producer waits for room instead of evicting.
  bool block_when_full = false;
  // buffer-duration: most media held, in ms of fragment timecodes
  // (newest fragment start - oldest fragment start); 0 = no limit.
  int64_t max_duration_ms = 0;
  // For latency metrics; null = SystemClock().
  const Clock* clock = nullptr;
};

// The position of a PutMedia body in the store. Owned by one session.
struct UploadCursor {
  uint64_t header_id = 0;  // The MKV session header this body uses.
  bool header_done = false;
  size_t header_offset = 0;
  uint64_t fragment = 0;  // Index of the fragment being read.
  size_t piece = 0;       // Piece within it.
  size_t offset = 0;      // Byte within the piece.
  // Read() stops with kBoundary at the start of this fragment (session
  // rotation); UINT64_MAX = never.
  uint64_t stop_at = UINT64_MAX;
};

// What Read() found when it returned fewer bytes than asked.
enum class ReadState {
  kData,       // Bytes were returned; more may follow.
  kWaiting,    // Nothing to send now; the data listener will fire.
  kBoundary,   // The body must end before the next fragment: it needs a
               // new MKV header, or the session is rotating (stop_at).
  kEnd,        // Finish() was called and every fragment was read and
               // acknowledged: end the body.
  kFinishing,  // Finish() was called and every fragment was read; some
               // await ACKs. KVS acknowledges a fragment only at the next
               // Cluster or an end-of-fragment tag, so a session whose last
               // fragment has no tag (e.g. a replayed one) must send one.
               // The data listener fires when the last ACK arrives.
};

class ContentStore {
 public:
  struct Counters {
    uint64_t bytes_held = 0;  // Bytes currently in the store.
    uint64_t fragments_held = 0;
    uint64_t evicted_fragments = 0;  // Dropped for space or duration.
    uint64_t evicted_bytes = 0;
    uint64_t evicted_frames = 0;
    uint64_t skipped_fragments = 0;  // Given up after a non-retriable ERROR.
    uint64_t frames_in = 0;          // Frames appended, ever.
    uint64_t bytes_in = 0;           // Body bytes appended, ever.
    uint64_t bytes_read = 0;  // Body bytes handed to sessions, ever (replays
                              // count again).
    uint64_t fragments_sent = 0;  // Fragments whose last byte was handed to
                                  // a session, ever (replays count again).
    uint64_t fragments_created = 0;
  };

  // A snapshot for stats (kvssink `stats`; upstream's StreamMetrics).
  struct Metrics {
    Counters counters;
    uint64_t max_bytes = 0;
    uint64_t unsent_bytes = 0;         // Held and not yet fully read.
    uint64_t in_flight_bytes = 0;      // Held, sent, awaiting acknowledgement.
    int64_t held_duration_ms = 0;      // Overall view duration.
    int64_t unsent_duration_ms = 0;    // Current view duration.
    LatencyHistogram frame_to_socket;  // ns, frame in -> last byte sent.
    LatencyHistogram frame_to_received;   // ns, last frame -> RECEIVED.
    LatencyHistogram frame_to_persisted;  // ns, last frame -> PERSISTED.
  };

  // Storage used by every ContentStore of the process (upstream's client
  // metrics: contentStoreSize, ...AvailableSize, ...AllocatedSize).
  struct ClientTotals {
    uint64_t stores = 0;
    uint64_t max_bytes = 0;   // Sum of storage-size.
    uint64_t bytes_held = 0;  // Sum of bytes held.
  };
  // Thread-safe and cheap (atomics); never takes a store's lock.
  static ClientTotals Totals();

  ContentStore(uint64_t max_bytes, FreeRule rule);
  explicit ContentStore(StoreOptions options);
  ~ContentStore();
  ContentStore(const ContentStore&) = delete;
  ContentStore& operator=(const ContentStore&) = delete;

  // --- Producer side (one producer at a time). ---

  // Registers the MKV session header that later fragments use.
  void SetHeader(uint64_t header_id, BytesRef header);
  // Completes the open fragment, if any, and opens a new one whose body
  // starts with `pieces` (e.g. Tags and the Cluster start).
  Status BeginFragment(int64_t timecode, std::vector<Piece> pieces,
                       int64_t now_mono_ns);
  // Appends one frame (its SimpleBlock header and payload) to the open
  // fragment. kFailedPrecondition without an open fragment;
  // kResourceExhausted when it does not fit (after eviction in realtime).
  // Offline, it first waits for room as WaitForRoom() does (bytes only),
  // so a frame the producer did not announce (one the packager held back
  // to interleave) is never refused for want of room while ACKs can still
  // free some; kCancelled after CancelWaits(). Same locking rule as
  // WaitForRoom().
  Status AppendFrame(Piece block_header, Piece payload);
  // Offline mode: blocks until `bytes` more fit (bytes and duration), then
  // returns OK. Returns kCancelled after CancelWaits() (and for every call
  // until ResumeWaits()), and kResourceExhausted at once when waiting
  // cannot help: nothing but the open fragment is held. Never call with a
  // lock the network thread needs.
  Status WaitForRoom(uint64_t bytes);
  void CancelWaits();
  void ResumeWaits();
  // Appends pieces to the open fragment and completes it (e.g. the
  // end-of-fragment Tags). No-op without an open fragment.
  void EndFragment(std::vector<Piece> trailer);
  // Completes the open fragment and marks the stream finished: after the
  // last fragment is acknowledged, Read() returns kEnd.
  void Finish();

  // --- Reader side (network thread). ---

  // A cursor at the replay point (see the top of this file), or at the next
  // fragment to come when everything is acknowledged. `replay_window_ms`
  // (replay-duration, realtime only): unacknowledged fragments whose
  // timecode is further back than this from the newest fragment are dropped
  // (reported, kReplayWindow); 0 = no limit. Call with no other cursor open.
  UploadCursor OpenCursor(int64_t replay_window_ms = 0);
  // Copies up to `capacity` body bytes from `cursor` into `out`; returns
  // the count. When it returns 0, `state` says why. A cursor whose fragment
  // was evicted skips to the next one. `entered`, when given, receives the
  // info of each fragment whose first byte this call returned.
  size_t Read(UploadCursor* cursor, uint8_t* out, size_t capacity,
              ReadState* state, std::vector<FragmentInfo>* entered = nullptr);
  // Forgets a cursor whose session ended, so its fragment can be freed or
  // evicted again. No ACK for what it sent can come any more: fragments
  // evicted in flight and not acknowledged are reported (kLostInFlight);
  // in realtime, RECEIVED fragments become final and are freed.
  void ReleaseCursor(const UploadCursor& cursor);
  // Records an ACK for fragment `index`; frees fragments as the FreeRule
  // allows. Returns false if the fragment is unknown (already freed).
  bool Acknowledge(uint64_t index, AckLevel level);
  // Gives up on fragment `index` (non-retriable ERROR ACK): it is freed and
  // never resent. Returns its info, or nothing if unknown.
  bool Skip(uint64_t index, FragmentInfo* info);
  // Monotonic ns when the first frame of the oldest not-yet-sent fragment
  // arrived; 0 when everything was sent. For max-latency.
  int64_t OldestUnsentMonoNs() const;
  // Records that the reader passed the end of fragment `index` (for
  // FreeRule::kOnSent).
  void MarkSent(uint64_t index);
  // The info of fragment `index`, if held.
  bool Info(uint64_t index, FragmentInfo* info) const;

  // Fires (without the lock) when a reader got kWaiting and new bytes or a
  // state change arrived since. Set before any reader runs.
  void SetDataListener(std::function<void()> listener);
  // Fires (without the lock, on the thread whose call dropped it: a
  // producer's for kStorageFull/kBufferDuration, the network thread's for
  // the others) once per fragment dropped.
  using EvictionListener =
      std::function<void(const FragmentInfo&, DropReason reason)>;
  void SetEvictionListener(EvictionListener listener);

  // True once Finish() was called and every fragment has been freed.
  bool Drained() const;
  Counters counters() const;
  Metrics GetMetrics() const;
  uint64_t max_bytes() const { return options_.max_bytes; }

 private:
  struct Fragment {
    FragmentInfo info;
    uint64_t header_id = 0;
    std::vector<Piece> pieces;
    bool complete = false;
    bool reading = false;     // A cursor is inside it: never evict.
    bool sent = false;        // The current session passed its end.
    bool dispatched = false;  // Some session read a byte of it: only such
                              // fragments are subject to the replay window.
    bool in_flight_evicted = false;  // Evicted after it was sent; reported
                                     // if its session ends unacknowledged.
    bool settled = false;  // Realtime: RECEIVED by a session that ended.
    AckLevel ack = AckLevel::kNone;
    uint64_t held = 0;  // Bytes of `pieces` (0 once evicted or skipped).
  };
  using Dropped = std::vector<std::pair<FragmentInfo, DropReason>>;

  Fragment* Find(uint64_t index);
  const Fragment* Find(uint64_t index) const;
  const Fragment* FirstAtOrAfter(uint64_t index) const;
  bool Fits(uint64_t bytes) const;
  bool DurationExceededLocked() const;
  // WaitForRoom() with mutex_ held in `lock` (released while waiting);
  // `check_duration` also waits for the buffer-duration window.
  Status WaitForRoomLocked(uint64_t bytes, bool check_duration,
                           std::unique_lock<std::mutex>* lock);
  static void RegisterStore(uint64_t max_bytes);
  static void UnregisterStore(uint64_t max_bytes, uint64_t bytes_held);
  bool realtime() const { return !options_.block_when_full; }
  bool MakeRoom(uint64_t bytes, Dropped* dropped);
  bool EvictPass(uint64_t bytes, bool in_flight, Dropped* dropped);
  bool AbandonOpenFragment(Dropped* dropped);
  void Drop(Fragment* f, DropReason reason, Dropped* dropped);
  void SettleEndedSession(Dropped* dropped);
  uint64_t ReplayPoint(int64_t replay_window_ms, Dropped* dropped);
  void FreeAcknowledged();
  bool Freeable(const Fragment& f) const;
  void NotifyReaderLocked(bool* wake);
  void DropPieces(Fragment* f);
  void AddHeld(uint64_t bytes);
  void SubHeld(uint64_t bytes);
  void Report(const Dropped& dropped);
  size_t ReadHeader(UploadCursor* cursor, uint8_t* out, size_t capacity);

  const StoreOptions options_;
  const Clock& clock_;
  mutable std::mutex mutex_;      // Guards everything below.
  std::condition_variable room_;  // Signalled when bytes are freed.
  bool waits_cancelled_ = false;
  std::map<uint64_t, BytesRef> headers_;
  uint64_t current_header_ = 0;
  std::deque<Fragment> fragments_;  // Oldest first; indexes increase by 1.
  uint64_t next_index_ = 0;
  bool finished_ = false;
  bool reader_waiting_ = false;
  static constexpr int64_t kNoPendingTimecode = INT64_MIN;
  int64_t pending_timecode_ = kNoPendingTimecode;  // Of a fragment starting.
  Counters counters_;
  LatencyHistogram frame_to_socket_;
  LatencyHistogram frame_to_received_;
  LatencyHistogram frame_to_persisted_;
  std::function<void()> data_listener_;
  EvictionListener eviction_listener_;
};

}  // namespace kvs

#endif  // KVSCORE_STORE_CONTENT_STORE_H_
