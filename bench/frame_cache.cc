#include "bench/frame_cache.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace bench {
namespace {

class Reader {
 public:
  explicit Reader(const std::vector<uint8_t>& bytes) : bytes_(bytes) {}
  bool U32(uint32_t* v) {
    if (bytes_.size() - pos_ < 4) return false;
    const uint8_t* p = bytes_.data() + pos_;
    *v = uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 |
         uint32_t{p[3]} << 24;
    pos_ += 4;
    return true;
  }
  bool Take(size_t n, std::string* out) {
    if (bytes_.size() - pos_ < n) return false;
    out->assign(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }

 private:
  const std::vector<uint8_t>& bytes_;
  size_t pos_ = 0;
};

bool Fail(std::string* error, const std::string& path, const char* what) {
  *error = path + ": " + what;
  return false;
}

}  // namespace

bool LoadFrameCache(const std::string& path, FrameCache* cache,
                    std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(error, path, "cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  Reader r(bytes);
  std::string magic;
  uint32_t version = 0, caps_len = 0, count = 0;
  if (!r.Take(8, &magic) || magic != "KVSBENCH" || !r.U32(&version) ||
      version != 1) {
    return Fail(error, path, "not a version 1 frame file");
  }
  if (!r.U32(&caps_len) || !r.Take(caps_len, &cache->caps) ||
      !r.U32(&cache->fps_n) || !r.U32(&cache->fps_d) || !r.U32(&count) ||
      cache->fps_n == 0 || cache->fps_d == 0 || count == 0) {
    return Fail(error, path, "truncated header");
  }
  size_t offset = 0;
  cache->frames.resize(count);
  for (CachedFrame& f : cache->frames) {
    uint32_t flags = 0;
    if (!r.U32(&f.size) || !r.U32(&flags) || f.size == 0) {
      return Fail(error, path, "truncated frame table");
    }
    f.offset = offset;
    f.key = (flags & 1) != 0;
    offset += f.size;
  }
  if (bytes.size() - r.pos() != offset) {
    return Fail(error, path, "payload size does not match the frame table");
  }
  cache->payload.assign(bytes.begin() + r.pos(), bytes.end());
  return true;
}

}  // namespace bench
