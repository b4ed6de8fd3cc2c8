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

Piece Piece::Ref(BytesRef ref) {
  Piece piece;
  piece.length = static_cast<uint32_t>(ref->size());
  piece.ref = std::move(ref);
  return piece;
}

ContentStore::ContentStore(uint64_t max_bytes, FreeRule rule)
    : max_bytes_(max_bytes), rule_(rule) {}

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

void ContentStore::NotifyReaderLocked(bool* wake) {
  if (reader_waiting_) {
    reader_waiting_ = false;
    *wake = true;
  }
}

Status ContentStore::BeginFragment(int64_t timecode, std::vector<Piece> pieces,
                                   int64_t now_mono_ns) {
  bool wake = false;
  std::vector<FragmentInfo> evicted;
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
    fragment.header_id = current_header_;
    for (Piece& p : pieces) {
      fragment.info.bytes += p.length;
      fragment.pieces.push_back(std::move(p));
    }
    fragment.held = fragment.info.bytes;
    MakeRoom(fragment.info.bytes, &evicted);
    counters_.bytes_held += fragment.info.bytes;
    ++counters_.fragments_held;
    fragments_.push_back(std::move(fragment));
    NotifyReaderLocked(&wake);
  }
  for (const FragmentInfo& info : evicted) {
    if (eviction_listener_) eviction_listener_(info);
  }
  if (wake && data_listener_) data_listener_();
  return Status::Ok();
}

Status ContentStore::AppendFrame(Piece block_header, Piece payload) {
  bool wake = false;
  std::vector<FragmentInfo> evicted;
  Status status;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t bytes = uint64_t{block_header.length} + payload.length;
    if (fragments_.empty() || fragments_.back().complete) {
      status = Status(StatusCode::kFailedPrecondition, "no open fragment");
    } else if (!MakeRoom(bytes, &evicted)) {
      status = Status(StatusCode::kResourceExhausted,
                      "content store full: " + std::to_string(max_bytes_) +
                          " bytes (storage-size) are held by fragments "
                          "awaiting acknowledgement");
    } else {
      Fragment& f = fragments_.back();
      f.pieces.push_back(std::move(block_header));
      f.pieces.push_back(std::move(payload));
      f.info.bytes += bytes;
      f.held += bytes;
      ++f.info.frames;
      counters_.bytes_held += bytes;
      NotifyReaderLocked(&wake);
    }
  }
  for (const FragmentInfo& info : evicted) {
    if (eviction_listener_) eviction_listener_(info);
  }
  if (wake && data_listener_) data_listener_();
  return status;
}

void ContentStore::EndFragment(std::vector<Piece> trailer) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fragments_.empty() || fragments_.back().complete) return;
    Fragment& f = fragments_.back();
    for (Piece& p : trailer) {
      f.info.bytes += p.length;
      f.held += p.length;
      counters_.bytes_held += p.length;
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

bool ContentStore::MakeRoom(uint64_t bytes,
                            std::vector<FragmentInfo>* evicted) {
  for (Fragment& f : fragments_) {
    if (counters_.bytes_held + bytes <= max_bytes_) break;
    if (!f.complete || f.reading || f.pieces.empty()) continue;
    evicted->push_back(f.info);
    ++counters_.evicted_fragments;
    counters_.evicted_bytes += f.info.bytes;
    counters_.evicted_frames += f.info.frames;
    DropPieces(&f);
  }
  FreeAcknowledged();
  return counters_.bytes_held + bytes <= max_bytes_;
}

void ContentStore::DropPieces(Fragment* f) {
  counters_.bytes_held -= f->held;
  f->held = 0;
  f->pieces.clear();
  f->pieces.shrink_to_fit();
}

bool ContentStore::Freeable(const Fragment& f) const {
  if (!f.complete) return false;
  if (f.pieces.empty()) return true;  // Evicted or skipped.
  switch (rule_) {
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
    counters_.bytes_held -= fragments_.front().held;
    --counters_.fragments_held;
    fragments_.pop_front();
  }
}

UploadCursor ContentStore::OpenCursor() {
  std::lock_guard<std::mutex> lock(mutex_);
  UploadCursor cursor;
  cursor.fragment = next_index_;
  cursor.header_id = current_header_;
  for (const Fragment& f : fragments_) {
    if (!Freeable(f) && !f.pieces.empty()) {
      cursor.fragment = f.info.index;
      cursor.header_id = f.header_id;
      break;
    }
  }
  return cursor;
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
                          ReadState* state) {
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
      *state = drained ? ReadState::kEnd : ReadState::kWaiting;
      if (!drained) reader_waiting_ = true;
      break;
    }
    bool at_start = cursor->piece == 0 && cursor->offset == 0;
    if (at_start && f->pieces.empty() && f->complete) {  // Evicted/skipped.
      ++cursor->fragment;
      continue;
    }
    if (at_start && f->header_id != cursor->header_id) {
      *state = ReadState::kHeaderChange;
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
      ++cursor->fragment;
      cursor->piece = 0;
      cursor->offset = 0;
      continue;
    }
    f->reading = true;
    const Piece& p = f->pieces[cursor->piece];
    size_t n = std::min<size_t>(capacity - total, p.length - cursor->offset);
    std::memcpy(out + total, p.data() + cursor->offset, n);
    total += n;
    cursor->offset += n;
    if (cursor->offset == p.length) {
      ++cursor->piece;
      cursor->offset = 0;
    }
  }
  if (rule_ == FreeRule::kOnSent) FreeAcknowledged();
  if (total > 0) *state = ReadState::kData;
  return total;
}

void ContentStore::ReleaseCursor(const UploadCursor& cursor) {
  std::lock_guard<std::mutex> lock(mutex_);
  Fragment* f = Find(cursor.fragment);
  if (f != nullptr) f->reading = false;
  FreeAcknowledged();
}

bool ContentStore::Acknowledge(uint64_t index, AckLevel level) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Fragment* f = Find(index);
    if (f == nullptr) return false;
    if (level > f->ack) f->ack = level;
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

void ContentStore::SetEvictionListener(
    std::function<void(const FragmentInfo&)> listener) {
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

}  // namespace kvs
