#include "kvscore/stream/interleaver.h"

#include <algorithm>
#include <utility>

namespace kvs {
namespace {
constexpr int64_t kOneMs = 1000 * 1000;
}  // namespace

void Interleaver::AddTrack(uint32_t track, bool video) {
  tracks_[track].video = video;
}

void Interleaver::RemoveTrack(uint32_t track) {
  auto it = tracks_.find(track);
  if (it == tracks_.end()) return;
  for (Entry& e : it->second.queue) passthrough_.push_back(std::move(e.frame));
  tracks_.erase(it);
}

void Interleaver::Push(Frame frame, int64_t now_ns) {
  auto it = tracks_.find(frame.track);
  if (it == tracks_.end()) {
    passthrough_.push_back(std::move(frame));
    return;
  }
  Track& t = it->second;
  int64_t key = frame.pts;
  if (t.video && frame.key() && t.max_pts != INT64_MIN) {
    key = std::min(key, t.max_pts + kOneMs);
  }
  if (frame.key()) t.keyed = true;
  if (t.keyed) t.max_pts = std::max(t.max_pts, frame.pts);
  t.silent = false;
  t.queue.push_back({key, now_ns, std::move(frame)});
}

Interleaver::Track* Interleaver::Earliest() {
  Track* best = nullptr;
  for (auto& entry : tracks_) {
    Track& t = entry.second;
    if (t.queue.empty()) continue;
    if (best == nullptr || t.queue.front().key < best->queue.front().key) {
      best = &t;
    }
  }
  return best;
}

bool Interleaver::Pop(Frame* frame, int64_t now_ns) {
  if (!passthrough_.empty()) {
    *frame = std::move(passthrough_.front());
    passthrough_.pop_front();
    return true;
  }
  Track* earliest = Earliest();
  if (earliest == nullptr) return false;
  int64_t head = earliest->queue.front().key;
  int64_t newest = head;
  bool waiting = false;
  for (auto& entry : tracks_) {
    Track& t = entry.second;
    if (!t.queue.empty()) newest = std::max(newest, t.queue.back().key);
    if (t.queue.empty() && !t.ended && !t.silent) waiting = true;
  }
  if (waiting) {
    bool waited = max_wait_ns_ > 0 &&
                  now_ns - earliest->queue.front().arrival >= max_wait_ns_;
    if (!waited && newest - head < max_span_ns_) return false;
    for (auto& entry : tracks_) {  // They held the others too long.
      Track& t = entry.second;
      if (t.queue.empty() && !t.ended) t.silent = true;
    }
  }
  *frame = std::move(earliest->queue.front().frame);
  earliest->queue.pop_front();
  return true;
}

void Interleaver::EndTrack(uint32_t track) {
  auto it = tracks_.find(track);
  if (it != tracks_.end()) it->second.ended = true;
}

void Interleaver::Drain(std::vector<Frame>* out) {
  while (!passthrough_.empty()) {
    out->push_back(std::move(passthrough_.front()));
    passthrough_.pop_front();
  }
  while (Track* t = Earliest()) {
    out->push_back(std::move(t->queue.front().frame));
    t->queue.pop_front();
  }
}

bool Interleaver::Active(uint32_t track) const {
  auto it = tracks_.find(track);
  if (it == tracks_.end() || it->second.silent) return false;
  return !it->second.ended || !it->second.queue.empty();
}

int64_t Interleaver::HeadKey(uint32_t track) const {
  auto it = tracks_.find(track);
  if (it == tracks_.end() || it->second.queue.empty()) return INT64_MAX;
  return it->second.queue.front().key;
}

size_t Interleaver::queued() const {
  size_t n = passthrough_.size();
  for (const auto& entry : tracks_) n += entry.second.queue.size();
  return n;
}

}  // namespace kvs
