// bench/packaging_bench.cc: Google Benchmark micro-benchmarks of kvscore's
// packaging path, without GStreamer or the network.
//
//   BM_PutFrame          Packager::PutFrame into a ContentStore (MKV
//                        SimpleBlock/Cluster headers, fragment bookkeeping),
//                        fragments acknowledged and freed as they complete.
//   BM_PutFrameAndRead   the same, plus reading the PutMedia body through an
//                        UploadCursor into a 64 KiB buffer (the one copy
//                        into curl's send buffer) and acknowledging: the
//                        whole per-frame data path of one stream.
//   BM_SimpleBlockHeader, BM_ClusterStart, BM_EndOfFragmentTags
//                        the MKV writer primitives, one call per iteration.
//
// Frames: the frame file named by KVSSINK_BENCH_FRAMES (bench/run passes
// the one it extracted from ../shared/media), else synthetic frames (a
// 120 kB key frame every 45 frames, 16 kB otherwise).
//
// Counters: bytes_per_second and items_per_second (frames) from Google
// Benchmark, and "allocs/frame": heap allocations (malloc, calloc, realloc,
// so C++ new too) per frame or per call, counted by wrappers this binary
// puts in front of glibc's allocator. The frame payloads themselves are
// referenced, as the element passes a mapped GstBuffer; the element's own
// per-buffer wrapper is not part of this count.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/frame_cache.h"
#include "kvscore/mkv/mkv_writer.h"
#include "kvscore/store/content_store.h"
#include "kvscore/stream/packager.h"

// --- Allocation counting (glibc). --------------------------------------------

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t n, size_t size);
void* __libc_realloc(void* p, size_t size);
void __libc_free(void* p);
}

namespace {
std::atomic<uint64_t> g_allocs{0};
}  // namespace

extern "C" {
void* malloc(size_t size) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(size_t n, size_t size) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t size) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
void free(void* p) { __libc_free(p); }
}

namespace {

using kvs::BytesRef;

// Bytes that point into the frame file (never freed before exit).
class CacheBytes final : public kvs::Bytes {
 public:
  CacheBytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  const uint8_t* data() const override { return data_; }
  size_t size() const override { return size_; }

 private:
  const uint8_t* data_;
  size_t size_;
};

struct Frames {
  bench::FrameCache cache;
  std::vector<BytesRef> refs;
  std::vector<uint8_t> codec_private;
  uint32_t width = 640;
  uint32_t height = 480;
  std::string source;
};

std::vector<uint8_t> HexField(const std::string& caps, const char* key) {
  std::vector<uint8_t> out;
  size_t at = caps.find(key);
  if (at == std::string::npos) return out;
  for (size_t i = at + strlen(key); i + 1 < caps.size(); i += 2) {
    if (!isxdigit(caps[i]) || !isxdigit(caps[i + 1])) break;
    out.push_back(uint8_t(std::stoi(caps.substr(i, 2), nullptr, 16)));
  }
  return out;
}

uint32_t IntField(const std::string& caps, const char* key, uint32_t dflt) {
  size_t at = caps.find(key);
  return at == std::string::npos
             ? dflt
             : uint32_t(atoi(caps.c_str() + at + strlen(key)));
}

void Synthesize(bench::FrameCache* cache) {
  for (int i = 0; i < 450; ++i) {
    bench::CachedFrame f;
    f.key = i % 45 == 0;
    f.size = f.key ? 120000 : 16000;
    f.offset = cache->payload.size();
    cache->payload.resize(f.offset + f.size, uint8_t(i));
    cache->frames.push_back(f);
  }
  cache->fps_n = 30;
}

const Frames& LoadFrames() {
  static Frames* frames = [] {
    auto* f = new Frames();
    const char* path = getenv("KVSSINK_BENCH_FRAMES");
    std::string error;
    if (path != nullptr && bench::LoadFrameCache(path, &f->cache, &error)) {
      f->source = path;
      f->codec_private = HexField(f->cache.caps, "codec_data=(buffer)");
      f->width = IntField(f->cache.caps, "width=(int)", 640);
      f->height = IntField(f->cache.caps, "height=(int)", 480);
    } else {
      if (path != nullptr) fprintf(stderr, "%s\n", error.c_str());
      f->source = "synthetic";
      Synthesize(&f->cache);
    }
    for (const bench::CachedFrame& c : f->cache.frames) {
      f->refs.push_back(std::make_shared<CacheBytes>(f->cache.data(c), c.size));
    }
    return f;
  }();
  return *frames;
}

kvs::TrackConfig VideoTrack(const Frames& frames) {
  kvs::TrackConfig t;
  t.number = 1;
  t.codec = kvs::TrackCodec::kH264;
  t.codec_private = frames.codec_private;
  t.width = frames.width;
  t.height = frames.height;
  return t;
}

// One stream's packager and store, frames timestamped at the file's rate
// from an epoch time (absolute fragment times, as kvssink's default).
class Stream {
 public:
  explicit Stream(const Frames& frames)
      : frames_(frames),
        store_(Options()),
        packager_(kvs::PackagerConfig(), &store_) {
    if (!packager_.SetTracks({VideoTrack(frames)}).ok()) abort();
    cursor_ = store_.OpenCursor();
  }

  // Puts the next frame; returns its payload size.
  size_t Put() {
    size_t i = next_ % frames_.refs.size();
    kvs::Frame frame;
    frame.track = 1;
    frame.flags =
        frames_.cache.frames[i].key ? uint32_t{kvs::kFrameFlagKey} : 0u;
    frame.pts = frame.dts =
        kEpochNs + int64_t(next_) * frames_.cache.frame_duration_ns();
    frame.duration = frames_.cache.frame_duration_ns();
    frame.data = frames_.refs[i];
    ++next_;
    if (!packager_.PutFrame(frame, now_ += 1000).ok()) abort();
    return frame.data->size();
  }

  // Acknowledges (PERSISTED) every fragment before the open one.
  void AckComplete() {
    uint64_t created = store_.counters().fragments_created;
    for (; acked_ + 1 < created; ++acked_) {
      store_.Acknowledge(acked_, kvs::AckLevel::kPersisted);
    }
  }

  // Reads what the body has so far, then acknowledges what was read.
  void Drain() {
    kvs::ReadState state = kvs::ReadState::kData;
    while (store_.Read(&cursor_, buffer_, sizeof buffer_, &state) > 0) {
    }
    for (; acked_ < cursor_.fragment; ++acked_) {
      store_.Acknowledge(acked_, kvs::AckLevel::kPersisted);
    }
  }

 private:
  static constexpr int64_t kEpochNs = 1700000000LL * 1000000000LL;
  static kvs::StoreOptions Options() {
    kvs::StoreOptions o;
    o.max_bytes = 1ull << 30;
    return o;
  }

  const Frames& frames_;
  kvs::ContentStore store_;
  kvs::Packager packager_;
  kvs::UploadCursor cursor_;
  uint64_t next_ = 0;
  uint64_t acked_ = 0;
  int64_t now_ = 0;
  uint8_t buffer_[64 * 1024];
};

void Report(benchmark::State& state, uint64_t bytes, uint64_t allocs) {
  state.SetBytesProcessed(int64_t(bytes));
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs/frame"] =
      double(allocs) / double(std::max<int64_t>(1, state.iterations()));
  state.SetLabel(LoadFrames().source);
}

void BM_PutFrame(benchmark::State& state) {
  auto stream = std::make_unique<Stream>(LoadFrames());
  uint64_t bytes = 0;
  uint64_t allocs = g_allocs.load();
  for (auto _ : state) {
    bytes += stream->Put();
    stream->AckComplete();
  }
  Report(state, bytes, g_allocs.load() - allocs);
}
BENCHMARK(BM_PutFrame);

void BM_PutFrameAndRead(benchmark::State& state) {
  auto stream = std::make_unique<Stream>(LoadFrames());
  uint64_t bytes = 0;
  uint64_t allocs = g_allocs.load();
  for (auto _ : state) {
    bytes += stream->Put();
    stream->Drain();
  }
  Report(state, bytes, g_allocs.load() - allocs);
}
BENCHMARK(BM_PutFrameAndRead);

void BM_SimpleBlockHeader(benchmark::State& state) {
  uint64_t allocs = g_allocs.load();
  int16_t t = 0;
  for (auto _ : state) {
    auto h = kvs::mkv::SimpleBlockHeader(1, t++, 0x80, 20000);
    benchmark::DoNotOptimize(h.data());
  }
  state.counters["allocs/call"] =
      double(g_allocs.load() - allocs) / double(state.iterations());
}
BENCHMARK(BM_SimpleBlockHeader);

void BM_ClusterStart(benchmark::State& state) {
  uint64_t allocs = g_allocs.load();
  int64_t t = 1700000000000;
  for (auto _ : state) {
    auto h = kvs::mkv::ClusterStart(t++);
    benchmark::DoNotOptimize(h.data());
  }
  state.counters["allocs/call"] =
      double(g_allocs.load() - allocs) / double(state.iterations());
}
BENCHMARK(BM_ClusterStart);

void BM_EndOfFragmentTags(benchmark::State& state) {
  uint64_t allocs = g_allocs.load();
  for (auto _ : state) {
    auto h = kvs::mkv::EndOfFragmentTags();
    benchmark::DoNotOptimize(h.data());
  }
  state.counters["allocs/call"] =
      double(g_allocs.load() - allocs) / double(state.iterations());
}
BENCHMARK(BM_EndOfFragmentTags);

}  // namespace

BENCHMARK_MAIN();
