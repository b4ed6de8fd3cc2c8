#include "kvscore/mkv/ebml.h"

#include <cstring>

namespace kvs {
namespace mkv {
namespace {

void AppendBigEndian(std::vector<uint8_t>* out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
}

int UintLength(uint64_t value) {
  int bytes = 1;
  while (bytes < 8 && (value >> (8 * bytes)) != 0) ++bytes;
  return bytes;
}

}  // namespace

int VintLength(uint64_t value) {
  // A VINT of n bytes carries 7n value bits; all-ones is reserved.
  int length = 1;
  while (length < 8 && value >= (uint64_t{1} << (7 * length)) - 1) ++length;
  return length;
}

void AppendId(std::vector<uint8_t>* out, uint32_t id) {
  int bytes = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
  AppendBigEndian(out, id, bytes);
}

void AppendSize(std::vector<uint8_t>* out, uint64_t size, int min_length) {
  int length = VintLength(size);
  if (length < min_length) length = min_length;
  uint64_t marker = uint64_t{1} << (7 * length);
  AppendBigEndian(out, marker | size, length);
}

void AppendUnknownSize(std::vector<uint8_t>* out) { out->push_back(0xFF); }

void AppendUint(std::vector<uint8_t>* out, uint32_t id, uint64_t value) {
  int bytes = UintLength(value);
  AppendId(out, id);
  AppendSize(out, bytes);
  AppendBigEndian(out, value, bytes);
}

void AppendFloat(std::vector<uint8_t>* out, uint32_t id, double value) {
  uint64_t bits;
  static_assert(sizeof(bits) == sizeof(value), "IEEE 754 double expected");
  std::memcpy(&bits, &value, sizeof(bits));
  AppendId(out, id);
  AppendSize(out, 8);
  AppendBigEndian(out, bits, 8);
}

void AppendString(std::vector<uint8_t>* out, uint32_t id,
                  std::string_view value) {
  AppendId(out, id);
  AppendSize(out, value.size());
  out->insert(out->end(), value.begin(), value.end());
}

void AppendBinary(std::vector<uint8_t>* out, uint32_t id, ByteSpan value) {
  AppendId(out, id);
  AppendSize(out, value.size);
  out->insert(out->end(), value.begin(), value.end());
}

void AppendMaster(std::vector<uint8_t>* out, uint32_t id,
                  const std::vector<uint8_t>& children) {
  AppendId(out, id);
  AppendSize(out, children.size());
  out->insert(out->end(), children.begin(), children.end());
}

}  // namespace mkv
}  // namespace kvs
