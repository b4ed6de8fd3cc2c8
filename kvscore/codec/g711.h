// kvscore/codec/g711.h: WAVEFORMATEX CodecPrivate for G.711 A-law/µ-law.
//
// KVS carries G.711 with CodecID A_MS/ACM (kvs-spec.md section 1, "MS Wave
// format"; Appendix A.1), whose CodecPrivate is a little-endian WAVEFORMATEX
// (Microsoft mmreg.h; RFC 2361 lists format tags 0x0006 WAVE_FORMAT_ALAW and
// 0x0007 WAVE_FORMAT_MULAW). Layout, 18 bytes:
//   wFormatTag u16 | nChannels u16 | nSamplesPerSec u32 |
//   nAvgBytesPerSec u32 | nBlockAlign u16 | wBitsPerSample u16 | cbSize u16
// G.711 codes one byte per sample, so nAvgBytesPerSec = rate x channels,
// nBlockAlign = channels and wBitsPerSample = 8. (Upstream writes
// nAvgBytesPerSec = rate x channels / 8 and wBitsPerSample = 0:
// upstream-kvssink.md B.7; we write the correct values.)
//
// Accepted ranges follow upstream kvssink's sink caps for audio/x-alaw and
// audio/x-mulaw: 1..2 channels, 8000..192000 Hz.
//
// Pure functions; safe from any thread.
#ifndef KVSCORE_CODEC_G711_H_
#define KVSCORE_CODEC_G711_H_

#include <cstdint>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

namespace kvs {
namespace codec {

enum class G711Law { kALaw, kMuLaw };

constexpr uint16_t kWaveFormatALaw = 6;
constexpr uint16_t kWaveFormatMuLaw = 7;
constexpr size_t kWaveFormatExSize = 18;
constexpr int kG711MinRateHz = 8000;
constexpr int kG711MaxRateHz = 192000;
constexpr int kG711MaxChannels = 2;

// The fields of a WAVEFORMATEX.
struct WaveFormatEx {
  uint16_t format_tag = 0;
  uint16_t channels = 0;
  uint32_t samples_per_sec = 0;    // Hz
  uint32_t avg_bytes_per_sec = 0;  // bytes/s
  uint16_t block_align = 0;        // bytes per sample frame
  uint16_t bits_per_sample = 0;
  uint16_t extra_size = 0;  // cbSize: bytes following the 18
};

// Builds the 18-byte WAVEFORMATEX for G.711 at `rate_hz` with `channels`.
// Errors: kInvalidArgument outside 1..2 channels or 8000..192000 Hz.
Result<std::vector<uint8_t>> BuildWaveFormatEx(G711Law law, int rate_hz,
                                               int channels);

// Parses a WAVEFORMATEX of any format tag: at least 18 bytes, and at least
// 18 + cbSize. Errors (kInvalidCodecData): too short.
Result<WaveFormatEx> ParseWaveFormatEx(ByteSpan bytes);

}  // namespace codec
}  // namespace kvs

#endif  // KVSCORE_CODEC_G711_H_
