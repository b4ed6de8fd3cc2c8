#include "kvscore/base/bytes.h"

namespace kvs {

std::string ToHex(ByteSpan span) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(span.size * 2);
  for (uint8_t b : span) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

}  // namespace kvs
