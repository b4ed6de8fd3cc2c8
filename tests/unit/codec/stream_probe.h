// tests/unit/codec/stream_probe.h: minimal FLV and MPEG-TS readers for codec
// tests.
//
// Test-only. They pull codec configuration out of the FLV and TS files in
// shared/media: FLV's AVC sequence header (an avcC) and AAC sequence header
// (an ASC) from the first tags (Adobe FLV spec v10.1, E.4.2/E.4.3), and the
// first access unit of a TS elementary stream (ISO/IEC 13818-1 2.4.3 packets,
// 2.4.4 PAT/PMT, 2.4.3.7 PES). Bounds-checked; return {} on malformed input.
#ifndef TESTS_UNIT_CODEC_STREAM_PROBE_H_
#define TESTS_UNIT_CODEC_STREAM_PROBE_H_

#include <cstdint>
#include <vector>

namespace kvs_test {

struct FlvHeaders {
  std::vector<uint8_t> avcc;  // video tag, codec 7, AVCPacketType 0
  std::vector<uint8_t> asc;   // audio tag, format 10, AACPacketType 0
  int audio_format = -1;      // SoundFormat of the first audio tag (7 A-law)
  int audio_rate_index = -1;  // SoundRate: 0 5.5k, 1 11k, 2 22k, 3 44k
  bool audio_stereo = false;  // SoundType
};

FlvHeaders ReadFlvHeaders(const std::vector<uint8_t>& file);

// The payload of the first complete PES packet of the first PMT stream with
// `stream_type` (0x1b H.264, 0x24 H.265, 0x0f AAC ADTS), without its PES
// header: for video, the first Annex-B access unit.
std::vector<uint8_t> ReadFirstTsPes(const std::vector<uint8_t>& file,
                                    uint8_t stream_type);

}  // namespace kvs_test

#endif  // TESTS_UNIT_CODEC_STREAM_PROBE_H_
