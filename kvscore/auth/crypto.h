// kvscore/auth/crypto.h: the two hash primitives SigV4 needs (OpenSSL
// libcrypto): SHA-256 and HMAC-SHA256.
//
// Pure and thread-safe. The key passed to HmacSha256 is a secret: callers must
// not log it, nor the intermediate keys of the SigV4 key derivation.
#ifndef KVSCORE_AUTH_CRYPTO_H_
#define KVSCORE_AUTH_CRYPTO_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "kvscore/base/bytes.h"

namespace kvs {

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 of `data`.
Sha256Digest Sha256(ByteSpan data);
Sha256Digest Sha256(std::string_view data);

// Lower-case hex SHA-256 of `data` (64 characters), as SigV4 uses it for the
// payload hash and the canonical-request hash.
std::string HexSha256(ByteSpan data);
std::string HexSha256(std::string_view data);

// HMAC-SHA256(key, data) (RFC 2104).
Sha256Digest HmacSha256(ByteSpan key, std::string_view data);

// The hex SHA-256 of zero bytes: the SigV4 payload hash of an empty body, and
// the one PutMedia signs with although its body is streamed
// (upstream-wire-capture.md section 2).
inline constexpr char kEmptyPayloadSha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace kvs

#endif  // KVSCORE_AUTH_CRYPTO_H_
