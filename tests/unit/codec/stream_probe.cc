#include "tests/unit/codec/stream_probe.h"

#include <cstddef>

namespace kvs_test {
namespace {

constexpr size_t kTsPacket = 188;

uint32_t Be(const std::vector<uint8_t>& f, size_t at, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | f[at + i];
  return v;
}

void ReadFlvTag(const std::vector<uint8_t>& f, size_t data, size_t size,
                int type, FlvHeaders* out) {
  if (size < 2) return;
  if (type == 9 && (f[data] & 0x0f) == 7 && f[data + 1] == 0 &&
      out->avcc.empty() && size > 5) {
    out->avcc.assign(f.begin() + data + 5, f.begin() + data + size);
  }
  if (type == 8 && out->audio_format < 0) {
    out->audio_format = f[data] >> 4;
    out->audio_rate_index = (f[data] >> 2) & 3;
    out->audio_stereo = f[data] & 1;
  }
  if (type == 8 && (f[data] >> 4) == 10 && f[data + 1] == 0 &&
      out->asc.empty()) {
    out->asc.assign(f.begin() + data + 2, f.begin() + data + size);
  }
}

// Offset of a TS packet's payload, or 0 when it has none.
size_t TsPayload(const std::vector<uint8_t>& f, size_t pkt) {
  const int adaptation = (f[pkt + 3] >> 4) & 3;
  if (!(adaptation & 1)) return 0;
  size_t payload = pkt + 4;
  if (adaptation & 2) payload += 1 + f[pkt + 4];
  return payload < pkt + kTsPacket ? payload : 0;
}

int Pid(const std::vector<uint8_t>& f, size_t pkt) {
  return static_cast<int>(Be(f, pkt + 1, 2) & 0x1fff);
}

// PAT -> PMT PID; PMT -> the elementary PID of `stream_type`; -1 if none.
int FindStreamPid(const std::vector<uint8_t>& f, uint8_t stream_type) {
  int pmt_pid = -1;
  for (size_t pkt = 0; pkt + kTsPacket <= f.size(); pkt += kTsPacket) {
    const size_t p = TsPayload(f, pkt);
    if (p == 0 || !(f[pkt + 1] & 0x40)) continue;  // need unit start
    const size_t section = p + 1 + f[p];           // pointer_field
    if (section + 12 > pkt + kTsPacket) continue;
    if (Pid(f, pkt) == 0 && f[section] == 0x00) {
      pmt_pid = static_cast<int>(Be(f, section + 10, 2) & 0x1fff);
    } else if (Pid(f, pkt) == pmt_pid && f[section] == 0x02) {
      const size_t end = section + 3 + (Be(f, section + 1, 2) & 0x3ff) - 4;
      size_t es = section + 12 + (Be(f, section + 10, 2) & 0x3ff);
      while (es + 5 <= end && end <= pkt + kTsPacket) {
        if (f[es] == stream_type) return Be(f, es + 1, 2) & 0x1fff;
        es += 5 + (Be(f, es + 3, 2) & 0x3ff);
      }
    }
  }
  return -1;
}

}  // namespace

FlvHeaders ReadFlvHeaders(const std::vector<uint8_t>& f) {
  FlvHeaders out;
  if (f.size() < 13 || f[0] != 'F' || f[1] != 'L' || f[2] != 'V') return out;
  size_t pos = Be(f, 5, 4) + 4;  // header, then PreviousTagSize0
  while (pos + 11 <= f.size()) {
    const int type = f[pos] & 0x1f;
    const size_t size = Be(f, pos + 1, 3);
    if (pos + 11 + size > f.size()) break;
    ReadFlvTag(f, pos + 11, size, type, &out);
    if (!out.avcc.empty() && out.audio_format >= 0 &&
        (out.audio_format != 10 || !out.asc.empty())) {
      break;
    }
    pos += 11 + size + 4;
  }
  return out;
}

std::vector<uint8_t> ReadFirstTsPes(const std::vector<uint8_t>& f,
                                    uint8_t stream_type) {
  const int pid = FindStreamPid(f, stream_type);
  std::vector<uint8_t> pes;
  bool started = false;
  for (size_t pkt = 0; pkt + kTsPacket <= f.size() && pid >= 0;
       pkt += kTsPacket) {
    if (f[pkt] != 0x47 || Pid(f, pkt) != pid) continue;
    const size_t p = TsPayload(f, pkt);
    if (p == 0) continue;
    const bool unit_start = f[pkt + 1] & 0x40;
    if (unit_start && started) break;  // the next PES begins
    started |= unit_start;
    if (started)
      pes.insert(pes.end(), f.begin() + p, f.begin() + pkt + kTsPacket);
  }
  // PES header: start code (3), stream_id, length (2), flags (2), header
  // length, then the header data.
  if (pes.size() < 9) return {};
  const size_t header = 9 + pes[8];
  if (header > pes.size()) return {};
  return std::vector<uint8_t>(pes.begin() + header, pes.end());
}

}  // namespace kvs_test
