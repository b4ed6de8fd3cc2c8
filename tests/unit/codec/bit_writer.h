// tests/unit/codec/bit_writer.h: builds bitstreams field by field in tests.
//
// Test-only. Hand-built SPS, ASC and hvcC inputs are written one syntax
// element per line with the element's name as a comment, so each test input
// documents itself against the standard's syntax tables.
#ifndef TESTS_UNIT_CODEC_BIT_WRITER_H_
#define TESTS_UNIT_CODEC_BIT_WRITER_H_

#include <cstdint>
#include <vector>

namespace kvs_test {

class BitWriter {
 public:
  // u(n): `n` bits of `value`, most significant first.
  BitWriter& Bits(int n, uint64_t value) {
    for (int i = n - 1; i >= 0; --i) PutBit((value >> i) & 1);
    return *this;
  }
  BitWriter& Flag(bool value) { return Bits(1, value ? 1 : 0); }
  // ue(v): H.264 9.1.
  BitWriter& Ue(uint32_t value) {
    const uint64_t code = uint64_t{value} + 1;
    int len = 0;
    while ((code >> len) > 1) ++len;
    Bits(len, 0);
    return Bits(len + 1, code);
  }
  // se(v): H.264 9.1.1.
  BitWriter& Se(int32_t value) {
    return Ue(value > 0 ? 2 * static_cast<uint32_t>(value) - 1
                        : 2 * static_cast<uint32_t>(-int64_t{value}));
  }
  BitWriter& Byte(uint8_t b) { return Bits(8, b); }
  BitWriter& Append(const std::vector<uint8_t>& bytes) {
    for (uint8_t b : bytes) Byte(b);
    return *this;
  }
  // rbsp_trailing_bits(): a 1, then zeros to the byte boundary.
  BitWriter& TrailingBits() {
    PutBit(1);
    return AlignZero();
  }
  BitWriter& AlignZero() {
    while (bits_ % 8 != 0) PutBit(0);
    return *this;
  }
  // The bytes so far, zero-padded to a byte boundary.
  std::vector<uint8_t> bytes() const { return bytes_; }
  size_t bit_count() const { return bits_; }

 private:
  void PutBit(int bit) {
    if (bits_ % 8 == 0) bytes_.push_back(0);
    if (bit) bytes_.back() |= 0x80 >> (bits_ % 8);
    ++bits_;
  }
  std::vector<uint8_t> bytes_;
  size_t bits_ = 0;
};

}  // namespace kvs_test

#endif  // TESTS_UNIT_CODEC_BIT_WRITER_H_
