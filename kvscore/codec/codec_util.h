// kvscore/codec/codec_util.h: small helpers shared by the codec parsers.
// Internal to kvscore/codec; not part of its public API.
#ifndef KVSCORE_CODEC_CODEC_UTIL_H_
#define KVSCORE_CODEC_CODEC_UTIL_H_

#include <cstdint>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"
#include "kvscore/codec/bit_reader.h"

namespace kvs {
namespace codec {

// OK when lo <= value <= hi, else kInvalidCodecData "<field> = v, outside
// [lo, hi]".
Status CheckRange(const char* field, uint64_t value, uint64_t lo, uint64_t hi);

// Reads a 16-bit big-endian length and that many bytes (the NAL unit arrays
// of avcC and hvcC). kInvalidCodecData when cut short or empty.
Result<ByteSpan> ReadLengthPrefixedUnit(BitReader& br, const char* what);

// OK when 1 <= unit.size() <= 65535 (a 16-bit array length in avcC/hvcC).
Status CheckUnitSize(const std::vector<uint8_t>& unit, const char* what);

// Appends a 16-bit big-endian length and `unit`.
void AppendUnit16(std::vector<uint8_t>* out, ByteSpan unit);

}  // namespace codec
}  // namespace kvs

#endif  // KVSCORE_CODEC_CODEC_UTIL_H_
