#include "kvscore/codec/codec_util.h"

#include <string>

namespace kvs {
namespace codec {

Status CheckRange(const char* field, uint64_t value, uint64_t lo, uint64_t hi) {
  if (value >= lo && value <= hi) return Status::Ok();
  return Status(StatusCode::kInvalidCodecData,
                std::string(field) + " = " + std::to_string(value) +
                    ", outside [" + std::to_string(lo) + ", " +
                    std::to_string(hi) + "]");
}

Result<ByteSpan> ReadLengthPrefixedUnit(BitReader& br, const char* what) {
  const uint32_t length = br.Bits(16);
  const ByteSpan unit = br.ReadBytes(length);
  if (!br.ok()) {
    return Status(StatusCode::kInvalidCodecData,
                  std::string(what) + ": NAL unit array cut short");
  }
  if (length == 0) {
    return Status(StatusCode::kInvalidCodecData,
                  std::string(what) + ": empty NAL unit");
  }
  return unit;
}

Status CheckUnitSize(const std::vector<uint8_t>& unit, const char* what) {
  if (!unit.empty() && unit.size() <= 0xffff) return Status::Ok();
  return Status(StatusCode::kInvalidCodecData,
                std::string(what) + ": NAL unit of " +
                    std::to_string(unit.size()) + " bytes, expected 1..65535");
}

void AppendUnit16(std::vector<uint8_t>* out, ByteSpan unit) {
  out->push_back(static_cast<uint8_t>(unit.size >> 8));
  out->push_back(static_cast<uint8_t>(unit.size & 0xff));
  out->insert(out->end(), unit.begin(), unit.end());
}

}  // namespace codec
}  // namespace kvs
