#include "kvscore/codec/bit_reader.h"

#include <string>

namespace kvs {
namespace codec {

std::vector<uint8_t> UnescapeRbsp(ByteSpan bytes) {
  std::vector<uint8_t> out;
  out.reserve(bytes.size);
  int zeros = 0;
  for (uint8_t b : bytes) {
    if (zeros >= 2 && b == 0x03) {
      zeros = 0;  // Drop the emulation prevention byte itself.
      continue;
    }
    zeros = (b == 0) ? zeros + 1 : 0;
    out.push_back(b);
  }
  return out;
}

std::vector<uint8_t> EscapeRbsp(ByteSpan rbsp) {
  std::vector<uint8_t> out;
  out.reserve(rbsp.size + rbsp.size / 64 + 1);
  int zeros = 0;
  for (uint8_t b : rbsp) {
    if (zeros >= 2 && b <= 0x03) {
      out.push_back(0x03);
      zeros = 0;
    }
    zeros = (b == 0) ? zeros + 1 : 0;
    out.push_back(b);
  }
  return out;
}

uint32_t BitReader::Bits(int n) {
  if (n > 32) {
    ok_ = false;
    return 0;
  }
  return static_cast<uint32_t>(Bits64(n));
}

uint64_t BitReader::Bits64(int n) {
  if (!ok_ || n < 0 || n > 64 || static_cast<size_t>(n) > bits_left()) {
    ok_ = false;
    return 0;
  }
  uint64_t value = 0;
  for (int i = 0; i < n; ++i) {
    const uint8_t byte = bytes_.data[pos_ / 8];
    value = (value << 1) | ((byte >> (7 - pos_ % 8)) & 1u);
    ++pos_;
  }
  return value;
}

uint32_t BitReader::Ue() {
  int leading_zeros = 0;
  while (ok_ && !Flag()) {
    if (++leading_zeros > 31) {
      ok_ = false;  // Value would not fit in 32 bits.
    }
  }
  if (!ok_) return 0;
  // codeNum = 2^lz - 1 + read_bits(lz), in 64 bits to catch overflow.
  const uint64_t value =
      ((uint64_t{1} << leading_zeros) - 1) + Bits64(leading_zeros);
  if (!ok_ || value > UINT32_MAX) {
    ok_ = false;
    return 0;
  }
  return static_cast<uint32_t>(value);
}

int32_t BitReader::Se() {
  const uint32_t k = Ue();
  // k = 2|v| - (v > 0): odd k is positive. k <= UINT32_MAX gives |v| <= 2^31.
  const int64_t magnitude = (static_cast<int64_t>(k) + 1) / 2;
  const int64_t value = (k & 1) ? magnitude : -magnitude;
  if (value > INT32_MAX || value < INT32_MIN) {
    ok_ = false;
    return 0;
  }
  return static_cast<int32_t>(value);
}

ByteSpan BitReader::ReadBytes(size_t n) {
  if (!ok_ || pos_ % 8 != 0 || n > bits_left() / 8) {
    ok_ = false;
    return ByteSpan();
  }
  const ByteSpan out = bytes_.subspan(pos_ / 8, n);
  pos_ += n * 8;
  return out;
}

void BitReader::Skip(size_t n) {
  if (!ok_ || n > bits_left()) {
    ok_ = false;
    return;
  }
  pos_ += n;
}

void BitReader::AlignToByte() {
  if (pos_ % 8 != 0) Skip(8 - pos_ % 8);
}

bool BitReader::AtRbspTrailingBits() const {
  if (!ok_) return true;
  const size_t left = bits_left();
  if (left == 0) return true;
  // Find the last set bit in the data; trailing bits start there.
  size_t last = bytes_.size;
  while (last > 0 && bytes_.data[last - 1] == 0) --last;
  if (last == 0) return true;
  const uint8_t tail = bytes_.data[last - 1];
  int low_zero_bits = 0;
  while (((tail >> low_zero_bits) & 1u) == 0) ++low_zero_bits;
  const size_t stop_bit_pos = last * 8 - 1 - low_zero_bits;
  return pos_ >= stop_bit_pos;
}

Status BitReader::status(const char* what) const {
  if (ok_) return Status::Ok();
  return Status(StatusCode::kInvalidCodecData,
                std::string(what) + ": truncated or malformed bitstream");
}

}  // namespace codec
}  // namespace kvs
