#include "kvscore/store/content_store.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace kvs {

Piece Piece::Copy(const std::vector<uint8_t>& bytes) {
  if (bytes.size() > kInlineBytes) return Ref(MakeBytes(bytes));
  Piece piece;
  piece.length = static_cast<uint32_t>(bytes.size());
  std::memcpy(piece.inline_bytes, bytes.data(), bytes.size());
  return piece;
}

Piece Piece::Inline(const uint8_t* data, size_t size) {
  Piece piece;
  piece.length = static_cast<uint32_t>(size);
  std::memcpy(piece.inline_bytes, data, size);
  return piece;
}

Piece Piece::Ref(BytesRef ref) {
  Piece piece;
  piece.length = static_cast<uint32_t>(ref->size());
  piece.ref = std::move(ref);
  return piece;
}

namespace {

StoreOptions MakeOptions(uint64_t max_bytes, FreeRule rule) {
  StoreOptions options;
  options.max_bytes = max_bytes;
  options.rule = rule;
  return options;
}

}  // namespace

ContentStore::ContentStore(uint64_t max_bytes, FreeRule rule)
    : ContentStore(MakeOptions(max_bytes, rule)) {}

ContentStore::ContentStore(StoreOptions options)
    : options_(options),
      clock_(options.clock != nullptr ? *options.clock : SystemClock()) {
  RegisterStore(options_.max_bytes);
}

ContentStore::~ContentStore() {
  UnregisterStore(options_.max_bytes, counters_.bytes_held);
}

ContentStore::Fragment* ContentStore::Find(uint64_t index) {
  if (fragments_.empty() || index < fragments_.front().info.index) {
    return nullptr;
  }
  uint64_t offset = index - fragments_.front().info.index;
  return offset < fragments_.size() ? &fragments_[offset] : nullptr;
}

const ContentStore::Fragment* ContentStore::Find(uint64_t index) const {
  return const_cast<ContentStore*>(this)->Find(index);
}

const ContentStore::Fragment* ContentStore::FirstAtOrAfter(
    uint64_t index) const {
  if (!fragments_.empty() && index < fragments_.front().info.index) {
    index = fragments_.front().info.index;
  }
  return Find(index);
}

void ContentStore::SetHeader(uint64_t header_id, BytesRef header) {
  std::lock_guard<std::mutex> lock(mutex_);
  headers_[header_id] = std::move(header);
  current_header_ = header_id;
}

void ContentStore::Report(const Dropped& dropped) {
  if (dropped.empty()) return;
  EvictionListener listener;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    listener = eviction_listener_;
  }
  if (!listener) return;
  for (const auto& d : dropped) listener(d.first, d.second);
}

void ContentStore::NotifyReaderLocked(bool* wake) {
  if (reader_waiting_) {
    reader_waiting_ = false;
    *wake = true;
  }
}

Status ContentStore::BeginFragment(int64_t timecode, std::vector<Piece> pieces,
                                   int64_t now_mono_ns) {
  bool wake = false;
  Dropped dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) {
      return Status(StatusCode::kFailedPrecondition, "store is finished");
    }
    if (!fragments_.empty()) fragments_.back().complete = true;
    Fragment fragment;
    fragment.info.index = next_index_++;
    fragment.info.timecode = timecode;
    fragment.info.first_frame_mono_ns = now_mono_ns;
    fragment.info.last_frame_mono_ns = now_mono_ns;
    fragment.header_id = current_header_;
    for (Piece& p : pieces) {
      fragment.info.bytes += p.length;
      fragment.pieces.push_back(std::move(p));
    }
    fragment.held = fragment.info.bytes;
    pending_timecode_ = timecode;
    MakeRoom(fragment.info.bytes, &dropped);
    pending_timecode_ = kNoPendingTimecode;
    AddHeld(fragment.info.bytes);
    counters_.bytes_in += fragment.info.bytes;
    ++counters_.fragments_held;
    ++counters_.fragments_created;
    fragments_.push_back(std::move(fragment));
    NotifyReaderLocked(&wake);
  }
  Report(dropped);
  if (wake && data_listener_) data_listener_();
  return Status::Ok();
}

Status ContentStore::AppendFrame(Piece block_header, Piece payload) {
  bool wake = false;
  Dropped dropped;
  Status status;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    uint64_t bytes = uint64_t{block_header.length} + payload.length;
    if (!realtime() && !fragments_.empty() && !fragments_.back().complete) {
      // Releases the lock while it waits.
      status = WaitForRoomLocked(bytes, /*check_duration=*/false, &lock);
    }
    if (fragments_.empty() || fragments_.back().complete) {
      status = Status(StatusCode::kFailedPrecondition, "no open fragment");
    } else if (!status.ok()) {
      // Offline: cancelled (stopping), or storage-size is too small for
      // one fragment. The frame is refused.
    } else if (!MakeRoom(bytes, &dropped)) {
      // Never send part of a fragment: drop all of it if none was sent.
      AbandonOpenFragment(&dropped);
      status =
          Status(StatusCode::kResourceExhausted,
                 "content store full: " + std::to_string(options_.max_bytes) +
                     " bytes (storage-size) are held by fragments "
                     "awaiting acknowledgement");
    } else {
      Fragment& f = fragments_.back();
      if (payload.stamp_ns != 0) f.info.last_frame_mono_ns = payload.stamp_ns;
      f.pieces.push_back(std::move(block_header));
      f.pieces.push_back(std::move(payload));
      f.info.bytes += bytes;
      f.held += bytes;
      ++f.info.frames;
      AddHeld(bytes);
      counters_.bytes_in += bytes;
      ++counters_.frames_in;
      NotifyReaderLocked(&wake);
    }
  }
  Report(dropped);
  if (wake && data_listener_) data_listener_();
  return status;
}

void ContentStore::EndFragment(std::vector<Piece> trailer) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fragments_.empty() || fragments_.back().complete) return;
    Fragment& f = fragments_.back();
    f.info.has_trailer = !trailer.empty();
    for (Piece& p : trailer) {
      f.info.bytes += p.length;
      f.held += p.length;
      AddHeld(p.length);
      f.pieces.push_back(std::move(p));
    }
    f.complete = true;
    NotifyReaderLocked(&wake);
  }
  if (wake && data_listener_) data_listener_();
}

void ContentStore::Finish() {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!fragments_.empty()) fragments_.back().complete = true;
    finished_ = true;
    FreeAcknowledged();
    NotifyReaderLocked(&wake);
  }
  if (wake && data_listener_) data_listener_();
}

size_t ContentStore::ReadHeader(UploadCursor* cursor, uint8_t* out,
                                size_t capacity) {
  auto it = headers_.find(cursor->header_id);
  if (it == headers_.end()) return 0;
  ByteSpan header = it->second->span().subspan(cursor->header_offset);
  size_t n = std::min(capacity, header.size);
  std::memcpy(out, header.data, n);
  cursor->header_offset += n;
  if (cursor->header_offset == it->second->size()) cursor->header_done = true;
  return n;
}

size_t ContentStore::Read(UploadCursor* cursor, uint8_t* out, size_t capacity,
                          ReadState* state,
                          std::vector<FragmentInfo>* entered) {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t total = 0;
  *state = ReadState::kData;
  if (!cursor->header_done && cursor->header_offset == 0) {
    // A body starts with the header of its first fragment, chosen when its
    // first byte is read (the cursor may predate the caps).
    const Fragment* first = FirstAtOrAfter(cursor->fragment);
    cursor->header_id = first != nullptr ? first->header_id : current_header_;
  }
  if (!cursor->header_done) {
    if (headers_.count(cursor->header_id) == 0) {
      *state = ReadState::kWaiting;
      reader_waiting_ = true;
      return 0;
    }
    total = ReadHeader(cursor, out, capacity);
  }
  while (total < capacity) {
    if (!fragments_.empty() &&
        cursor->fragment < fragments_.front().info.index) {
      *cursor = UploadCursor{
          cursor->header_id, true, 0, fragments_.front().info.index, 0, 0};
    }
    Fragment* f = Find(cursor->fragment);
    if (f == nullptr) {
      bool drained = finished_ && fragments_.empty();
      *state = drained     ? ReadState::kEnd
               : finished_ ? ReadState::kFinishing
                           : ReadState::kWaiting;
      if (!drained) reader_waiting_ = true;
      break;
    }
    bool at_start = cursor->piece == 0 && cursor->offset == 0;
    if (at_start && f->pieces.empty() && f->complete) {  // Evicted/skipped.
      ++cursor->fragment;
      continue;
    }
    if (at_start && (f->header_id != cursor->header_id ||
                     cursor->fragment >= cursor->stop_at)) {
      *state = ReadState::kBoundary;
      break;
    }
    if (cursor->piece == f->pieces.size()) {
      if (!f->complete) {
        *state = ReadState::kWaiting;
        reader_waiting_ = true;
        break;
      }
      f->reading = false;
      f->sent = true;
      ++counters_.fragments_sent;
      ++cursor->fragment;
      cursor->piece = 0;
      cursor->offset = 0;
      continue;
    }
    if (at_start && entered != nullptr) entered->push_back(f->info);
    f->reading = true;
    f->dispatched = true;
    const Piece& p = f->pieces[cursor->piece];
    size_t n = std::min<size_t>(capacity - total, p.length - cursor->offset);
    std::memcpy(out + total, p.data() + cursor->offset, n);
    total += n;
    cursor->offset += n;
    if (cursor->offset == p.length) {
      if (p.stamp_ns != 0) {
        frame_to_socket_.Record(clock_.MonotonicNs() - p.stamp_ns);
      }
      ++cursor->piece;
      cursor->offset = 0;
    }
  }
  if (options_.rule == FreeRule::kOnSent) FreeAcknowledged();
  counters_.bytes_read += total;
  if (total > 0) *state = ReadState::kData;
  return total;
}

bool ContentStore::Acknowledge(uint64_t index, AckLevel level) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Fragment* f = Find(index);
    if (f == nullptr) return false;
    int64_t age = clock_.MonotonicNs() - f->info.last_frame_mono_ns;
    if (level >= AckLevel::kReceived && f->ack < AckLevel::kReceived) {
      frame_to_received_.Record(age);
    }
    if (level >= AckLevel::kPersisted && f->ack < AckLevel::kPersisted) {
      frame_to_persisted_.Record(age);
    }
    if (level > f->ack) f->ack = level;
    // Free its bytes now even if an older fragment still waits.
    if (Freeable(*f) && !f->reading && !f->pieces.empty()) DropPieces(f);
    FreeAcknowledged();
    if (finished_ && fragments_.empty()) NotifyReaderLocked(&wake);
  }
  if (wake && data_listener_) data_listener_();
  return true;
}

bool ContentStore::Skip(uint64_t index, FragmentInfo* info) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Fragment* f = Find(index);
    if (f == nullptr || f->pieces.empty()) return false;
    *info = f->info;
    DropPieces(f);
    ++counters_.skipped_fragments;
    f->complete = true;
    f->reading = false;
    FreeAcknowledged();
    if (finished_ && fragments_.empty()) NotifyReaderLocked(&wake);
  }
  if (wake && data_listener_) data_listener_();
  return true;
}

void ContentStore::MarkSent(uint64_t index) {
  std::lock_guard<std::mutex> lock(mutex_);
  Fragment* f = Find(index);
  if (f != nullptr) f->sent = true;
  FreeAcknowledged();
}

int64_t ContentStore::OldestUnsentMonoNs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Fragment& f : fragments_) {
    if (!f.sent && !f.pieces.empty()) return f.info.first_frame_mono_ns;
  }
  return 0;
}

bool ContentStore::Info(uint64_t index, FragmentInfo* info) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Fragment* f = Find(index);
  if (f == nullptr) return false;
  *info = f->info;
  return true;
}

void ContentStore::SetDataListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(mutex_);
  data_listener_ = std::move(listener);
}

void ContentStore::SetEvictionListener(EvictionListener listener) {
  std::lock_guard<std::mutex> lock(mutex_);
  eviction_listener_ = std::move(listener);
}

bool ContentStore::Drained() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return finished_ && fragments_.empty();
}

ContentStore::Counters ContentStore::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

ContentStore::Metrics ContentStore::GetMetrics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Metrics m;
  m.counters = counters_;
  m.max_bytes = options_.max_bytes;
  const Fragment* oldest = nullptr;
  const Fragment* oldest_unsent = nullptr;
  for (const Fragment& f : fragments_) {
    if (f.pieces.empty()) continue;
    if (oldest == nullptr) oldest = &f;
    if (f.sent && !Freeable(f)) m.in_flight_bytes += f.held;
    if (!f.sent) {
      m.unsent_bytes += f.held;
      if (oldest_unsent == nullptr) oldest_unsent = &f;
    }
  }
  if (oldest != nullptr) {
    int64_t newest = fragments_.back().info.timecode;
    m.held_duration_ms = newest - oldest->info.timecode;
    if (oldest_unsent != nullptr) {
      m.unsent_duration_ms = newest - oldest_unsent->info.timecode;
    }
  }
  m.frame_to_socket = frame_to_socket_;
  m.frame_to_received = frame_to_received_;
  m.frame_to_persisted = frame_to_persisted_;
  return m;
}

}  // namespace kvs
