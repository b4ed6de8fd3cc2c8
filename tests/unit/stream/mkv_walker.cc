#include "tests/unit/stream/mkv_walker.h"

namespace kvs_test {
namespace {

class Reader {
 public:
  Reader(const std::vector<uint8_t>& b, size_t pos, size_t end)
      : b_(b), pos_(pos), end_(end) {}
  bool done() const { return pos_ >= end_; }
  size_t pos() const { return pos_; }

  // Reads a VINT; `keep_marker` for IDs. Returns false on error.
  bool Vint(uint64_t* value, bool keep_marker, bool* unknown) {
    if (pos_ >= end_) return false;
    uint8_t first = b_[pos_];
    int length = 1;
    while (length <= 8 && !(first & (0x80 >> (length - 1)))) ++length;
    if (length > 8 || pos_ + length > end_) return false;
    uint64_t v = keep_marker ? first : (first & (0xFF >> length));
    bool all_ones = (first & (0xFF >> length)) == (0xFF >> length);
    for (int i = 1; i < length; ++i) {
      v = (v << 8) | b_[pos_ + i];
      all_ones = all_ones && b_[pos_ + i] == 0xFF;
    }
    if (unknown != nullptr) *unknown = !keep_marker && all_ones;
    pos_ += length;
    *value = v;
    return true;
  }

  bool Element(uint64_t* id, uint64_t* size, bool* unknown) {
    return Vint(id, true, nullptr) && Vint(size, false, unknown);
  }
  uint64_t Uint(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | b_[pos_ + i];
    pos_ += n;
    return v;
  }
  std::string String(size_t n) {
    std::string s(b_.begin() + pos_, b_.begin() + pos_ + n);
    pos_ += n;
    return s;
  }
  void Skip(size_t n) { pos_ += n; }

 private:
  const std::vector<uint8_t>& b_;
  size_t pos_;
  size_t end_;
};

// Reads a Tags element's SimpleTags as "name=value".
std::vector<std::string> ReadTags(const std::vector<uint8_t>& b, size_t pos,
                                  size_t end) {
  std::vector<std::string> out;
  Reader r(b, pos, end);
  uint64_t id, size;
  bool unknown;
  while (!r.done() && r.Element(&id, &size, &unknown)) {
    size_t start = r.pos();
    if (id == 0x7373 || id == 0x67C8) {  // Tag, SimpleTag: descend.
      std::vector<std::string> inner = ReadTags(b, start, start + size);
      if (id == 0x67C8) {
        std::string name, value;
        Reader s(b, start, start + size);
        uint64_t cid, csize;
        while (!s.done() && s.Element(&cid, &csize, &unknown)) {
          if (cid == 0x45A3)
            name = s.String(csize);
          else if (cid == 0x4487)
            value = s.String(csize);
          else
            s.Skip(csize);
        }
        out.push_back(name + "=" + value);
      } else {
        out.insert(out.end(), inner.begin(), inner.end());
      }
    }
    r.Skip(size - (r.pos() - start));
  }
  return out;
}

}  // namespace

std::vector<WalkedSegment> WalkBody(const std::vector<uint8_t>& b,
                                    std::string* error) {
  std::vector<WalkedSegment> segments;
  Reader r(b, 0, b.size());
  std::vector<std::string> pending_tags;
  WalkedCluster* cluster = nullptr;
  uint64_t id, size;
  bool unknown;
  while (!r.done()) {
    if (!r.Element(&id, &size, &unknown)) {
      *error = "bad element header at " + std::to_string(r.pos());
      return segments;
    }
    size_t start = r.pos();
    if (id == 0x18538067) {  // Segment: its children follow inline.
      segments.emplace_back();
      cluster = nullptr;
      continue;
    }
    if (id == 0x1F43B675) {  // Cluster (unknown size): children inline.
      if (segments.empty()) break;
      segments.back().clusters.emplace_back();
      cluster = &segments.back().clusters.back();
      cluster->tags_before = pending_tags;
      pending_tags.clear();
      continue;
    }
    if (unknown) {
      *error = "unexpected unknown-size element";
      return segments;
    }
    if (id == 0xE7 && cluster != nullptr) {
      cluster->timecode = static_cast<int64_t>(r.Uint(size));
    } else if (id == 0xA3 && cluster != nullptr) {
      WalkedBlock block;
      uint64_t track = 0;
      r.Vint(&track, false, nullptr);
      block.track = track;
      block.relative = static_cast<int16_t>(r.Uint(2));
      block.flags = static_cast<uint8_t>(r.Uint(1));
      block.payload_size = size - (r.pos() - start);
      size_t head = block.payload_size < 8 ? block.payload_size : 8;
      block.payload_head.assign(b.begin() + r.pos(),
                                b.begin() + r.pos() + head);
      cluster->blocks.push_back(block);
    } else if (id == 0x1654AE6B && !segments.empty()) {  // Tracks
      Reader t(b, start, start + size);
      uint64_t cid, csize;
      while (!t.done() && t.Element(&cid, &csize, &unknown)) {
        size_t entry = t.pos();
        if (cid == 0xAE) {
          ++segments.back().tracks;
          Reader e(b, entry, entry + csize);
          uint64_t eid, esize;
          while (!e.done() && e.Element(&eid, &esize, &unknown)) {
            if (eid == 0x86)
              segments.back().codec_ids.push_back(e.String(esize));
            else
              e.Skip(esize);
          }
        }
        t.Skip(csize - (t.pos() - entry));
      }
    } else if (id == 0x1254C367) {  // Tags
      std::vector<std::string> tags = ReadTags(b, start, start + size);
      bool eofr =
          tags.size() == 1 && tags[0] == "AWS_KINESISVIDEO_END_OF_FRAGMENT=";
      if (eofr && cluster != nullptr) {
        cluster->end_of_fragment_after = true;
      } else {
        pending_tags.insert(pending_tags.end(), tags.begin(), tags.end());
      }
      cluster = eofr ? nullptr : cluster;
    }
    size_t consumed = r.pos() - start;
    if (consumed < size) r.Skip(size - consumed);
  }
  return segments;
}

std::vector<uint8_t> ReadAllBodies(kvs::ContentStore* store) {
  std::vector<uint8_t> all;
  for (int guard = 0; guard < 100000; ++guard) {
    kvs::UploadCursor cursor = store->OpenCursor();
    kvs::ReadState state = kvs::ReadState::kData;
    uint8_t buf[65536];
    size_t n;
    while ((n = store->Read(&cursor, buf, sizeof(buf), &state)) > 0) {
      all.insert(all.end(), buf, buf + n);
    }
    store->ReleaseCursor(cursor);
    if (state != kvs::ReadState::kBoundary) break;
  }
  return all;
}

}  // namespace kvs_test
