#include "kvscore/auth/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

namespace kvs {

Sha256Digest Sha256(ByteSpan data) {
  Sha256Digest digest{};
  unsigned int size = 0;
  // EVP_Digest only fails on allocation failure or a broken provider; neither
  // is recoverable and a wrong hash would silently break every signature.
  if (EVP_Digest(data.data, data.size, digest.data(), &size, EVP_sha256(),
                 nullptr) != 1 ||
      size != digest.size()) {
    std::abort();
  }
  return digest;
}

Sha256Digest Sha256(std::string_view data) {
  return Sha256(
      ByteSpan(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

std::string HexSha256(ByteSpan data) {
  Sha256Digest digest = Sha256(data);
  return ToHex(ByteSpan(digest.data(), digest.size()));
}

std::string HexSha256(std::string_view data) {
  Sha256Digest digest = Sha256(data);
  return ToHex(ByteSpan(digest.data(), digest.size()));
}

Sha256Digest HmacSha256(ByteSpan key, std::string_view data) {
  Sha256Digest digest{};
  unsigned int size = 0;
  static const uint8_t kNoKey = 0;
  const uint8_t* key_data = key.data != nullptr ? key.data : &kNoKey;
  if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           digest.data(), &size) == nullptr ||
      size != digest.size()) {
    std::abort();
  }
  return digest;
}

}  // namespace kvs
