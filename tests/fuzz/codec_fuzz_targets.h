// tests/fuzz/codec_fuzz_targets.h: fuzz targets for kvscore/codec.
//
// Each target feeds arbitrary bytes to a parser and checks invariants that
// must hold for any input (a record that parses and is rebuilt parses again
// to the same parameter sets; an in-band CodecPrivate that builds also
// describes; sizes are within their bounds). A broken invariant aborts, so
// libFuzzer and the corpus replay report it like a crash.
//
// The same functions back two drivers:
//   - libfuzzer_entry.cc: one libFuzzer binary per target (-Dfuzzing=true);
//   - replay_main.cc: a plain program that replays tests/fuzz/corpus/<name>/
//     through every target on every CI run.
#ifndef TESTS_FUZZ_CODEC_FUZZ_TARGETS_H_
#define TESTS_FUZZ_CODEC_FUZZ_TARGETS_H_

#include <cstddef>
#include <cstdint>

namespace kvs_fuzz {

int FuzzAvcC(const uint8_t* data, size_t size);
int FuzzHvcC(const uint8_t* data, size_t size);
int FuzzAudioSpecificConfig(const uint8_t* data, size_t size);
// The input is an H.264 SPS RBSP-with-emulation without its NAL header byte.
int FuzzH264Sps(const uint8_t* data, size_t size);
// The input is an H.265 SPS (and, the same bytes, a VPS) without its
// 2-byte NAL header.
int FuzzH265Sps(const uint8_t* data, size_t size);
// Byte 0 picks the codec (bit 0: H.265) and framing (bits 1-2: Annex-B, 1-,
// 2- or 4-byte lengths); the rest is an access unit.
int FuzzInBand(const uint8_t* data, size_t size);
int FuzzWaveFormatEx(const uint8_t* data, size_t size);

struct FuzzTarget {
  const char* name;  // also the corpus folder name
  int (*fn)(const uint8_t* data, size_t size);
};

extern const FuzzTarget kFuzzTargets[];
extern const size_t kNumFuzzTargets;

}  // namespace kvs_fuzz

#endif  // TESTS_FUZZ_CODEC_FUZZ_TARGETS_H_
