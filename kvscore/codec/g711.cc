#include "kvscore/codec/g711.h"

#include <string>

namespace kvs {
namespace codec {
namespace {

void PutLe(std::vector<uint8_t>* out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back((v >> (8 * i)) & 0xff);
}

uint32_t GetLe(ByteSpan b, size_t offset, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | b[offset + i];
  return v;
}

}  // namespace

Result<std::vector<uint8_t>> BuildWaveFormatEx(G711Law law, int rate_hz,
                                               int channels) {
  if (channels < 1 || channels > kG711MaxChannels) {
    return Status(
        StatusCode::kInvalidArgument,
        "G.711 channels " + std::to_string(channels) + " outside 1..2");
  }
  if (rate_hz < kG711MinRateHz || rate_hz > kG711MaxRateHz) {
    return Status(
        StatusCode::kInvalidArgument,
        "G.711 rate " + std::to_string(rate_hz) + " Hz outside 8000..192000");
  }
  std::vector<uint8_t> out;
  out.reserve(kWaveFormatExSize);
  PutLe(&out, law == G711Law::kALaw ? kWaveFormatALaw : kWaveFormatMuLaw, 2);
  PutLe(&out, channels, 2);
  PutLe(&out, rate_hz, 4);
  PutLe(&out, rate_hz * channels, 4);  // 1 byte per sample
  PutLe(&out, channels, 2);            // nBlockAlign
  PutLe(&out, 8, 2);                   // wBitsPerSample
  PutLe(&out, 0, 2);                   // cbSize
  return out;
}

Result<WaveFormatEx> ParseWaveFormatEx(ByteSpan b) {
  if (b.size < kWaveFormatExSize) {
    return Status(StatusCode::kInvalidCodecData,
                  "WAVEFORMATEX of " + std::to_string(b.size) +
                      " bytes, expected at least 18");
  }
  WaveFormatEx w;
  w.format_tag = GetLe(b, 0, 2);
  w.channels = GetLe(b, 2, 2);
  w.samples_per_sec = GetLe(b, 4, 4);
  w.avg_bytes_per_sec = GetLe(b, 8, 4);
  w.block_align = GetLe(b, 12, 2);
  w.bits_per_sample = GetLe(b, 14, 2);
  w.extra_size = GetLe(b, 16, 2);
  if (b.size - kWaveFormatExSize < w.extra_size) {
    return Status(StatusCode::kInvalidCodecData,
                  "WAVEFORMATEX cbSize " + std::to_string(w.extra_size) +
                      " runs past its " + std::to_string(b.size) + " bytes");
  }
  return w;
}

}  // namespace codec
}  // namespace kvs
