#include "kvscore/codec/nal.h"

#include <string>

namespace kvs {
namespace codec {
namespace {

Status BadLengthSize(int nal_length_size) {
  return Status(StatusCode::kInvalidArgument,
                "nal_length_size " + std::to_string(nal_length_size) +
                    " is not 1, 2 or 4");
}

uint64_t ReadBigEndian(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void AppendBigEndian(std::vector<uint8_t>* out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out->push_back((v >> (8 * i)) & 0xff);
}

// Index of the first byte after the next 00 00 01 at or after `from`, or
// `size` when there is none. `*code_start` gets the index of its first 00.
size_t FindStartCode(ByteSpan s, size_t from, size_t* code_start) {
  for (size_t i = from; i + 3 <= s.size; ++i) {
    if (s[i + 2] > 1) {
      i += 2;  // No start code can end at i + 2 or begin before i + 3.
    } else if (s[i] == 0 && s[i + 1] == 0 && s[i + 2] == 1) {
      *code_start = i;
      return i + 3;
    }
  }
  *code_start = s.size;
  return s.size;
}

}  // namespace

bool IsValidNalLengthSize(int nal_length_size) {
  return nal_length_size == 1 || nal_length_size == 2 || nal_length_size == 4;
}

Result<std::vector<ByteSpan>> SplitLengthPrefixed(ByteSpan au,
                                                  int nal_length_size) {
  if (!IsValidNalLengthSize(nal_length_size)) {
    return BadLengthSize(nal_length_size);
  }
  std::vector<ByteSpan> nals;
  size_t pos = 0;
  const size_t n = static_cast<size_t>(nal_length_size);
  while (pos < au.size) {
    if (au.size - pos < n) {
      return Status(StatusCode::kInvalidFrame,
                    "NAL length field cut off at byte " + std::to_string(pos));
    }
    const uint64_t length = ReadBigEndian(au.data + pos, nal_length_size);
    pos += n;
    if (length > au.size - pos) {
      return Status(StatusCode::kInvalidFrame,
                    "NAL unit of " + std::to_string(length) + " bytes at " +
                        std::to_string(pos) + " overruns the " +
                        std::to_string(au.size) + "-byte access unit");
    }
    if (length > 0) nals.push_back(au.subspan(pos, length));
    pos += length;
  }
  return nals;
}

bool StartsWithStartCode(ByteSpan b) {
  if (b.size >= 3 && b[0] == 0 && b[1] == 0 && b[2] == 1) return true;
  return b.size >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 1;
}

std::vector<ByteSpan> SplitAnnexB(ByteSpan stream) {
  std::vector<ByteSpan> nals;
  size_t code_start = 0;
  size_t begin = FindStartCode(stream, 0, &code_start);
  while (begin < stream.size) {
    size_t next_code = 0;
    const size_t next = FindStartCode(stream, begin, &next_code);
    size_t end = next_code;
    while (end > begin && stream[end - 1] == 0) --end;  // trailing zeros
    if (end > begin) nals.push_back(stream.subspan(begin, end - begin));
    begin = next;
  }
  return nals;
}

Result<std::vector<uint8_t>> JoinLengthPrefixed(
    const std::vector<ByteSpan>& nals, int nal_length_size) {
  if (!IsValidNalLengthSize(nal_length_size)) {
    return BadLengthSize(nal_length_size);
  }
  const uint64_t max_length = (uint64_t{1} << (8 * nal_length_size)) - 1;
  size_t total = 0;
  for (const ByteSpan& nal : nals) total += nal_length_size + nal.size;
  std::vector<uint8_t> out;
  out.reserve(total);
  for (const ByteSpan& nal : nals) {
    if (nal.size > max_length) {
      return Status(StatusCode::kInvalidArgument,
                    "NAL unit of " + std::to_string(nal.size) +
                        " bytes does not fit a " +
                        std::to_string(nal_length_size) + "-byte length");
    }
    AppendBigEndian(&out, nal.size, nal_length_size);
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

Result<std::vector<uint8_t>> AnnexBToLengthPrefixed(ByteSpan stream,
                                                    int nal_length_size) {
  if (!IsValidNalLengthSize(nal_length_size)) {
    return BadLengthSize(nal_length_size);
  }
  std::vector<ByteSpan> nals = SplitAnnexB(stream);
  if (nals.empty()) {
    return Status(StatusCode::kInvalidFrame, "no Annex-B NAL unit found");
  }
  Result<std::vector<uint8_t>> out = JoinLengthPrefixed(nals, nal_length_size);
  if (!out.ok())
    return Status(StatusCode::kInvalidFrame, out.status().message());
  return out;
}

Result<std::vector<uint8_t>> LengthPrefixedToAnnexB(ByteSpan au,
                                                    int nal_length_size) {
  Result<std::vector<ByteSpan>> nals = SplitLengthPrefixed(au, nal_length_size);
  if (!nals.ok()) return nals.status();
  std::vector<uint8_t> out;
  out.reserve(au.size + 4 * nals->size());
  for (const ByteSpan& nal : *nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

namespace h264 {
int NalType(ByteSpan nal) { return nal.empty() ? -1 : nal[0] & 0x1f; }
}  // namespace h264

namespace h265 {
int NalType(ByteSpan nal) { return nal.size < 2 ? -1 : (nal[0] >> 1) & 0x3f; }
}  // namespace h265

}  // namespace codec
}  // namespace kvs
