// kvscore/auth/credentials.h: AWS credentials, as a value.
//
// A `Credentials` holds one access key: the access key id (public: it appears
// in every request's Authorization header), the secret access key (never
// leaves this process except as an HMAC key), an optional session token (STS
// temporary credentials: IoT, container, instance, profile with a token) and
// an optional expiration.
//
// Secrets: `secret_access_key` and `session_token` must never be logged,
// printed, put in a Status message or posted in a GStreamer message. Use
// `DebugString()` for logs; it shows the access key id and whether a token
// and an expiry are present, never the secret or the token.
//
// Thread-safety: a plain value; copy it freely between threads.
#ifndef KVSCORE_AUTH_CREDENTIALS_H_
#define KVSCORE_AUTH_CREDENTIALS_H_

#include <cstdint>
#include <optional>
#include <string>

namespace kvs {

struct Credentials {
  std::string access_key_id;      // e.g. "AKIDEXAMPLE".
  std::string secret_access_key;  // Secret.
  std::string session_token;      // Secret; empty for long-term keys.
  // When the credentials stop working, in ns since the Unix epoch (UTC).
  // Unset for credentials that do not expire (static keys, environment).
  std::optional<int64_t> expiration_ns;
  // Which provider produced them ("properties", "credential-file",
  // "iot-certificate", ...), for error messages; set by the chain. Not part
  // of equality.
  std::string source;

  bool has_session_token() const { return !session_token.empty(); }

  // True when both keys are set (a session token alone is not usable).
  bool complete() const {
    return !access_key_id.empty() && !secret_access_key.empty();
  }

  // True when `expiration_ns` is set and `now_ns + margin_ns` reaches it.
  bool ExpiresWithin(int64_t now_ns, int64_t margin_ns) const {
    return expiration_ns.has_value() && now_ns + margin_ns >= *expiration_ns;
  }

  // For logs: `Credentials{access_key_id=AKIDEXAMPLE, session_token=yes,
  // expiration=2015-08-30T13:36:00Z}`. Never shows the secret or the token.
  std::string DebugString() const;
};

// Equality over all four fields (used by the cache and by tests).
bool operator==(const Credentials& a, const Credentials& b);
inline bool operator!=(const Credentials& a, const Credentials& b) {
  return !(a == b);
}

}  // namespace kvs

#endif  // KVSCORE_AUTH_CREDENTIALS_H_
