// kvscore/auth/credential_file_provider.h: upstream kvssink's
// `credential-path` file (upstream-kvssink.md A.4, step 3; producer-c
// FileCredentialProvider.c).
//
// Format: whitespace-separated fields (spaces, tabs or newlines),
//   CREDENTIALS <access-key-id> <secret-access-key>
//   CREDENTIALS <access-key-id> <iso-8601-expiry> <secret-access-key>
//   CREDENTIALS <access-key-id> <iso-8601-expiry> <secret-access-key> <token>
// i.e. with three fields the second is the secret; with four or five the
// second is the expiry, as upstream reads it. The expiry is any form
// ParseIso8601() takes, e.g. "2026-11-21T13:00:00Z".
//
// The file is read on every Fetch(), so an external process may rotate it;
// the caching decorator calls Fetch() again before the expiry (its refresh
// margin) or, for a file without expiry, after its maximum age (upstream
// re-reads every 40 min; default_credential_chain.h sets the same).
// Fetch() answers synchronously. Thread-safe.
#ifndef KVSCORE_AUTH_CREDENTIAL_FILE_PROVIDER_H_
#define KVSCORE_AUTH_CREDENTIAL_FILE_PROVIDER_H_

#include <string>
#include <string_view>

#include "kvscore/auth/credential_provider.h"
#include "kvscore/base/clock.h"

namespace kvs {

// Files larger than this are refused, in bytes.
inline constexpr size_t kMaxCredentialFileBytes = 64 * 1024;

// Parses the file's contents. Errors (kCredentialsUnavailable): no
// "CREDENTIALS" marker, wrong field count, an expiry that does not parse.
// Messages never quote field values other than the expiry.
Result<Credentials> ParseCredentialFile(std::string_view contents);

class CredentialFileProvider final : public CredentialProvider {
 public:
  // `clock` (wall time) decides whether the file's credentials have expired;
  // it must outlive the provider.
  CredentialFileProvider(std::string path, const Clock& clock);

  // Errors: kCredentialsUnavailable (missing, unreadable, malformed file),
  // kCredentialsExpired (the file's expiry is not in the future). Messages
  // start with "credential-file: <path>".
  void Fetch(CredentialsCallback done) override;
  std::string name() const override { return "credential-file"; }

 private:
  const std::string path_;
  const Clock& clock_;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_CREDENTIAL_FILE_PROVIDER_H_
