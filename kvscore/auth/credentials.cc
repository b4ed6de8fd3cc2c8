#include "kvscore/auth/credentials.h"

#include "kvscore/auth/aws_time.h"

namespace kvs {

std::string Credentials::DebugString() const {
  std::string out = "Credentials{access_key_id=";
  out += access_key_id.empty() ? "<none>" : access_key_id;
  out += ", secret_access_key=";
  out += secret_access_key.empty() ? "<none>" : "<set>";
  out += ", session_token=";
  out += session_token.empty() ? "no" : "yes";
  out += ", expiration=";
  out += expiration_ns ? FormatIso8601(*expiration_ns) : "never";
  out += "}";
  return out;
}

bool operator==(const Credentials& a, const Credentials& b) {
  return a.access_key_id == b.access_key_id &&
         a.secret_access_key == b.secret_access_key &&
         a.session_token == b.session_token &&
         a.expiration_ns == b.expiration_ns;
}

}  // namespace kvs
