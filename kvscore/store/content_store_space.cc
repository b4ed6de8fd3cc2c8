// kvscore/store/content_store_space.cc: the ContentStore's space policy:
// what is freed, evicted or dropped, where a new session replays from, and
// the offline wait for room (see content_store.h).
#include <algorithm>
#include <atomic>
#include <string>

#include "kvscore/store/content_store.h"

namespace kvs {
namespace {

// Process-wide totals (ContentStore::Totals()).
std::atomic<uint64_t> g_stores{0};
std::atomic<uint64_t> g_max_bytes{0};
std::atomic<uint64_t> g_bytes_held{0};

}  // namespace

const char* DropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kStorageFull:
      return "storage-full";
    case DropReason::kBufferDuration:
      return "buffer-duration";
    case DropReason::kReplayWindow:
      return "replay-window";
    case DropReason::kLostInFlight:
      return "lost-in-flight";
  }
  return "unknown";
}

ContentStore::ClientTotals ContentStore::Totals() {
  ClientTotals totals;
  totals.stores = g_stores.load(std::memory_order_relaxed);
  totals.max_bytes = g_max_bytes.load(std::memory_order_relaxed);
  totals.bytes_held = g_bytes_held.load(std::memory_order_relaxed);
  return totals;
}

void ContentStore::RegisterStore(uint64_t max_bytes) {
  g_stores.fetch_add(1, std::memory_order_relaxed);
  g_max_bytes.fetch_add(max_bytes, std::memory_order_relaxed);
}

void ContentStore::UnregisterStore(uint64_t max_bytes, uint64_t bytes_held) {
  g_stores.fetch_sub(1, std::memory_order_relaxed);
  g_max_bytes.fetch_sub(max_bytes, std::memory_order_relaxed);
  g_bytes_held.fetch_sub(bytes_held, std::memory_order_relaxed);
}

void ContentStore::AddHeld(uint64_t bytes) {
  counters_.bytes_held += bytes;
  g_bytes_held.fetch_add(bytes, std::memory_order_relaxed);
}

void ContentStore::SubHeld(uint64_t bytes) {
  counters_.bytes_held -= bytes;
  g_bytes_held.fetch_sub(bytes, std::memory_order_relaxed);
}

bool ContentStore::Fits(uint64_t bytes) const {
  if (counters_.bytes_held + bytes > options_.max_bytes) return false;
  if (options_.max_duration_ms <= 0 ||
      pending_timecode_ == kNoPendingTimecode) {
    return true;
  }
  for (const Fragment& f : fragments_) {
    if (f.pieces.empty()) continue;  // Tombstone.
    return pending_timecode_ - f.info.timecode <= options_.max_duration_ms;
  }
  return true;
}

void ContentStore::DropPieces(Fragment* f) {
  SubHeld(f->held);
  f->held = 0;
  f->pieces.clear();
  f->pieces.shrink_to_fit();
  room_.notify_all();
}

void ContentStore::Drop(Fragment* f, DropReason reason, Dropped* dropped) {
  ++counters_.evicted_fragments;
  counters_.evicted_bytes += f->info.bytes;
  counters_.evicted_frames += f->info.frames;
  dropped->emplace_back(f->info, reason);
  if (!f->pieces.empty()) DropPieces(f);
}

// One eviction pass, oldest first, over complete fragments no cursor is in:
// `in_flight` picks those sent in this session and not yet acknowledged
// (their bytes are already on the way, so nothing is reported unless their
// session dies), otherwise the unsent ones (dropped and reported).
bool ContentStore::EvictPass(uint64_t bytes, bool in_flight, Dropped* dropped) {
  for (Fragment& f : fragments_) {
    if (Fits(bytes)) return true;
    if (!f.complete || f.reading || f.pieces.empty()) continue;
    if (f.sent != in_flight) continue;
    if (in_flight) {
      f.in_flight_evicted = f.ack < AckLevel::kReceived;
      DropPieces(&f);
      continue;
    }
    bool full = counters_.bytes_held + bytes > options_.max_bytes;
    Drop(&f, full ? DropReason::kStorageFull : DropReason::kBufferDuration,
         dropped);
  }
  return Fits(bytes);
}

bool ContentStore::MakeRoom(uint64_t bytes, Dropped* dropped) {
  if (realtime()) {
    if (!EvictPass(bytes, /*in_flight=*/true, dropped)) {
      EvictPass(bytes, /*in_flight=*/false, dropped);
    }
    FreeAcknowledged();
  }
  // Offline: WaitForRoom() ran first; a new fragment may exceed the
  // duration window by its own start, which is accepted.
  if (!realtime() && pending_timecode_ != kNoPendingTimecode) return true;
  return counters_.bytes_held + bytes <= options_.max_bytes;
}

bool ContentStore::AbandonOpenFragment(Dropped* dropped) {
  if (!realtime() || fragments_.empty()) return false;
  Fragment& f = fragments_.back();
  if (f.complete || f.reading || f.pieces.empty()) return false;
  Drop(&f, DropReason::kStorageFull, dropped);
  f.complete = true;  // The producer restarts at its next key frame.
  FreeAcknowledged();
  return true;
}

Status ContentStore::WaitForRoom(uint64_t bytes) {
  std::unique_lock<std::mutex> lock(mutex_);
  return WaitForRoomLocked(bytes, /*check_duration=*/true, &lock);
}

Status ContentStore::WaitForRoomLocked(uint64_t bytes, bool check_duration,
                                       std::unique_lock<std::mutex>* lock) {
  for (;;) {
    if (waits_cancelled_) {
      return Status(StatusCode::kCancelled, "wait for storage cancelled");
    }
    if (counters_.bytes_held + bytes <= options_.max_bytes &&
        !(check_duration && DurationExceededLocked())) {
      return Status::Ok();
    }
    bool only_open = fragments_.empty() ||
                     (fragments_.size() == 1 && !fragments_.back().complete);
    if (only_open) {
      return Status(StatusCode::kResourceExhausted,
                    "storage-size (" + std::to_string(options_.max_bytes) +
                        " bytes) is too small for one fragment");
    }
    room_.wait(*lock);
  }
}

bool ContentStore::DurationExceededLocked() const {
  if (options_.max_duration_ms <= 0 || fragments_.size() < 2) return false;
  return fragments_.back().info.timecode - fragments_.front().info.timecode >
         options_.max_duration_ms;
}

void ContentStore::CancelWaits() {
  std::lock_guard<std::mutex> lock(mutex_);
  waits_cancelled_ = true;
  room_.notify_all();
}

void ContentStore::ResumeWaits() {
  std::lock_guard<std::mutex> lock(mutex_);
  waits_cancelled_ = false;
}

bool ContentStore::Freeable(const Fragment& f) const {
  if (!f.complete) return false;
  if (f.pieces.empty()) {  // Dropped or skipped: wait for an in-flight one.
    return !f.in_flight_evicted || f.ack >= AckLevel::kReceived;
  }
  if (f.settled) return true;
  switch (options_.rule) {
    case FreeRule::kOnPersisted:
      return f.ack >= AckLevel::kPersisted;
    case FreeRule::kOnReceived:
      return f.ack >= AckLevel::kReceived;
    case FreeRule::kOnSent:
      return f.sent;
  }
  return false;
}

void ContentStore::FreeAcknowledged() {
  while (!fragments_.empty() && Freeable(fragments_.front()) &&
         !fragments_.front().reading) {
    SubHeld(fragments_.front().held);
    --counters_.fragments_held;
    fragments_.pop_front();
    room_.notify_all();
  }
}

// The session that sent fragments is gone: no ACK will come for them.
void ContentStore::SettleEndedSession(Dropped* dropped) {
  for (Fragment& f : fragments_) {
    f.reading = false;
    if (f.in_flight_evicted && f.ack < AckLevel::kReceived) {
      Drop(&f, DropReason::kLostInFlight, dropped);
    }
    f.in_flight_evicted = false;
    // RECEIVED means KVS has all of it; upstream's realtime rollback never
    // resends it (upstream-kvssink.md B.4). Offline waits for PERSISTED.
    if (realtime() && f.ack >= AckLevel::kReceived) f.settled = true;
    // What was sent but not acknowledged will be sent again.
    if (options_.rule != FreeRule::kOnSent && !Freeable(f)) f.sent = false;
  }
  FreeAcknowledged();
}

// Realtime rollback is bounded by replay-duration, as upstream's (B.4): it
// moves back over what earlier sessions sent. What no session sent yet is
// ahead of that rollback and is always sent; only storage-size and
// buffer-duration can evict it (MakeRoom), and they report it.
uint64_t ContentStore::ReplayPoint(int64_t replay_window_ms, Dropped* dropped) {
  int64_t newest = fragments_.empty() ? 0 : fragments_.back().info.timecode;
  for (Fragment& f : fragments_) {
    if (f.pieces.empty() || Freeable(f)) continue;
    bool too_old = realtime() && replay_window_ms > 0 && f.complete &&
                   f.dispatched && newest - f.info.timecode > replay_window_ms;
    if (!too_old) return f.info.index;
    Drop(&f, DropReason::kReplayWindow, dropped);
  }
  return next_index_;
}

UploadCursor ContentStore::OpenCursor(int64_t replay_window_ms) {
  Dropped dropped;
  UploadCursor cursor;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    SettleEndedSession(&dropped);
    cursor.fragment = ReplayPoint(replay_window_ms, &dropped);
    FreeAcknowledged();
    const Fragment* f = Find(cursor.fragment);
    cursor.header_id = f != nullptr ? f->header_id : current_header_;
  }
  Report(dropped);
  return cursor;
}

void ContentStore::ReleaseCursor(const UploadCursor& cursor) {
  Dropped dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    SettleEndedSession(&dropped);
  }
  Report(dropped);
}

}  // namespace kvs
