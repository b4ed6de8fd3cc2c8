// Corpus replay: runs every codec fuzz target over its seed corpus folder
// (argv[1]/<target name>/*), over every prefix of each seed, and over every
// single-bit flip of each seed up to kMaxFlipBytes, so the truncation and
// error paths run deterministically on every CI build without libFuzzer.
// A crash or a broken invariant aborts the process; a missing or empty
// corpus folder fails the run.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "tests/fuzz/codec_fuzz_targets.h"

namespace {

constexpr size_t kMaxFlipBytes = 1024;

std::vector<uint8_t> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Runs `target` on `bytes` with each single bit flipped in turn.
long ReplayBitFlips(const kvs_fuzz::FuzzTarget& target,
                    const std::vector<uint8_t>& bytes) {
  std::vector<uint8_t> mutated = bytes;
  for (size_t bit = 0; bit < 8 * bytes.size(); ++bit) {
    mutated[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
    target.fn(mutated.data(), mutated.size());
    mutated[bit / 8] = bytes[bit / 8];
  }
  return static_cast<long>(8 * bytes.size());
}

// Runs `target` over each file of `dir` and each file's prefixes; returns
// the number of seed files, or -1 when there are none.
long Replay(const kvs_fuzz::FuzzTarget& target,
            const std::filesystem::path& dir, long* runs) {
  long files = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::vector<uint8_t> bytes = ReadFile(entry.path());
    for (size_t n = 0; n <= bytes.size(); ++n) {
      // A fresh copy of each prefix, so reading past it trips ASan.
      std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
      target.fn(prefix.data(), prefix.size());
      ++*runs;
    }
    if (bytes.size() <= kMaxFlipBytes) *runs += ReplayBitFlips(target, bytes);
    ++files;
  }
  return (ec || files == 0) ? -1 : files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  int failed = 0;
  int passed = 0;
  for (size_t i = 0; i < kvs_fuzz::kNumFuzzTargets; ++i) {
    const kvs_fuzz::FuzzTarget& target = kvs_fuzz::kFuzzTargets[i];
    long runs = 0;
    const long files =
        Replay(target, std::filesystem::path(argv[1]) / target.name, &runs);
    if (files < 0) {
      std::printf("FAIL %s: no seed files in %s/%s\n", target.name, argv[1],
                  target.name);
      ++failed;
      continue;
    }
    std::printf("ok   %s: %ld seeds, %ld inputs with prefixes and bit flips\n",
                target.name, files, runs);
    ++passed;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
