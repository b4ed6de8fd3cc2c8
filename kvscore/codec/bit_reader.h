// kvscore/codec/bit_reader.h: bounds-checked MSB-first bit reading.
//
// Used by every codec parser in kvscore/codec for two kinds of input:
//   - container records (avcC, hvcC, AudioSpecificConfig), read as they are;
//   - NAL unit payloads (SPS), read as RBSP: first strip the emulation
//     prevention bytes with `UnescapeRbsp` (ITU-T H.264 7.4.1 / H.265 7.4.2:
//     in the NAL payload every 0x00 0x00 0x03 has its 0x03 removed).
//
// Error model: the reader is sticky. A read past the end, or an Exp-Golomb
// code longer than 32 bits, sets `ok()` to false and every later read returns
// 0 without touching memory. A parser checks `ok()` (or `status()`) at its
// checkpoints and before any loop whose count it read from the stream, so a
// malformed stream ends in an error Status, never in an out-of-bounds read or
// an unbounded loop. Reads never allocate.
//
// Thread-safety: a BitReader is a plain value with no shared state; it views
// bytes the caller keeps alive for the reader's lifetime.
#ifndef KVSCORE_CODEC_BIT_READER_H_
#define KVSCORE_CODEC_BIT_READER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

namespace kvs {
namespace codec {

// Returns the RBSP of a NAL unit payload: `bytes` with the 0x03 of every
// 0x00 0x00 0x03 sequence removed (H.264 7.3.1 / H.265 7.3.1.1
// emulation_prevention_three_byte). Pass the NAL unit after its header, or
// the whole NAL unit: the header bytes never contain 00 00 03.
std::vector<uint8_t> UnescapeRbsp(ByteSpan bytes);

// Returns `rbsp` with an emulation prevention byte inserted wherever the
// payload would otherwise contain 00 00 0x (x <= 3): the inverse of
// UnescapeRbsp, used by tests and builders.
std::vector<uint8_t> EscapeRbsp(ByteSpan rbsp);

class BitReader {
 public:
  explicit BitReader(ByteSpan bytes) : bytes_(bytes) {}

  // Reads `n` bits (0..32), most significant first, as an unsigned value.
  uint32_t Bits(int n);
  // Reads one bit as a bool (u(1) / f(1) in the specs).
  bool Flag() { return Bits(1) != 0; }
  // Reads 64 bits or fewer as an unsigned value (n in 0..64).
  uint64_t Bits64(int n);
  // ue(v): unsigned Exp-Golomb (H.264 9.1 / H.265 9.2). Codes with more than
  // 31 leading zero bits don't fit 32 bits and fail the reader.
  uint32_t Ue();
  // se(v): signed Exp-Golomb (H.264 9.1.1 / H.265 9.2.2).
  int32_t Se();
  // Returns the next `n` whole bytes as a view into the input and skips
  // them; fails the reader (and returns {}) when not byte-aligned or fewer
  // than `n` bytes remain.
  ByteSpan ReadBytes(size_t n);
  // Skips `n` bits; fails the reader when fewer than `n` remain.
  void Skip(size_t n);
  // Skips to the next byte boundary (no-op when aligned).
  void AlignToByte();

  // False once any read went past the end or a code was malformed.
  bool ok() const { return ok_; }
  // OK, or kInvalidCodecData "<what>: truncated or malformed bitstream".
  Status status(const char* what) const;

  // Position in bits from the start, and bits left (0 when failed).
  size_t position() const { return pos_; }
  size_t bits_left() const { return ok_ ? bytes_.size * 8 - pos_ : 0; }
  bool byte_aligned() const { return pos_ % 8 == 0; }
  // True when the rest of the data holds only rbsp_trailing_bits (a 1 then
  // zeros) or nothing: H.264 7.2 more_rbsp_data() == false.
  bool AtRbspTrailingBits() const;

  // Fails the reader explicitly (a parser found a value out of range).
  void Fail() { ok_ = false; }

 private:
  ByteSpan bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace codec
}  // namespace kvs

#endif  // KVSCORE_CODEC_BIT_READER_H_
