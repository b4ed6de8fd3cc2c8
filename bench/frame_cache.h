// bench/frame_cache.h: the encoded frames every benchmark pushes.
//
// bench/run extracts frames once from real media (../shared/media, see
// bench/kvsbench/media.py) into a frame file under the build directory, so
// that nothing parses or encodes media while a measurement runs. Layout,
// all integers little-endian:
//
//   "KVSBENCH"  u32 version (1)
//   u32 caps_len, caps (a GStreamer caps string: video/x-h264,
//       stream-format=avc, alignment=au, codec_data=..., framerate=...)
//   u32 fps_n, u32 fps_d, u32 frame_count
//   frame_count x { u32 size, u32 flags (bit 0: key frame) }
//   the payloads, back to back (AVCC: length-prefixed NAL units)
//
// Thread-safety: a loaded FrameCache is immutable.
#ifndef BENCH_FRAME_CACHE_H_
#define BENCH_FRAME_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct CachedFrame {
  size_t offset = 0;  // Into FrameCache::payload.
  uint32_t size = 0;
  bool key = false;
};

struct FrameCache {
  std::string caps;
  uint32_t fps_n = 30;
  uint32_t fps_d = 1;
  std::vector<CachedFrame> frames;
  std::vector<uint8_t> payload;

  const uint8_t* data(const CachedFrame& f) const {
    return payload.data() + f.offset;
  }
  int64_t frame_duration_ns() const {
    return int64_t{1000000000} * fps_d / fps_n;
  }
  uint64_t total_bytes() const { return payload.size(); }
};

// Loads `path`; on failure returns false and sets `error`.
bool LoadFrameCache(const std::string& path, FrameCache* cache,
                    std::string* error);

}  // namespace bench

#endif  // BENCH_FRAME_CACHE_H_
