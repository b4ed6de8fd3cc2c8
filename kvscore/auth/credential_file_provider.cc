#include "kvscore/auth/credential_file_provider.h"

#include <utility>
#include <vector>

#include "kvscore/auth/aws_time.h"
#include "kvscore/auth/local_file.h"

namespace kvs {
namespace {

bool IsFieldSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

std::vector<std::string> SplitFields(std::string_view text) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsFieldSpace(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !IsFieldSpace(text[i])) ++i;
    if (i > start) fields.emplace_back(text.substr(start, i - start));
  }
  return fields;
}

}  // namespace

Result<Credentials> ParseCredentialFile(std::string_view contents) {
  const std::vector<std::string> fields = SplitFields(contents);
  if (fields.empty() || fields[0] != "CREDENTIALS") {
    return Status(StatusCode::kCredentialsUnavailable,
                  "does not start with CREDENTIALS");
  }
  if (fields.size() < 3 || fields.size() > 5) {
    return Status(StatusCode::kCredentialsUnavailable,
                  "expected CREDENTIALS <access-key-id> [<expiry>] "
                  "<secret-key> [<session-token>], found " +
                      std::to_string(fields.size()) + " fields");
  }
  Credentials credentials;
  credentials.access_key_id = fields[1];
  if (fields.size() == 3) {
    credentials.secret_access_key = fields[2];
    return credentials;
  }
  Result<int64_t> expiry = ParseIso8601(fields[2]);
  if (!expiry.ok()) {
    return Status(StatusCode::kCredentialsUnavailable,
                  "expiry: " + expiry.status().message());
  }
  credentials.expiration_ns = *expiry;
  credentials.secret_access_key = fields[3];
  if (fields.size() == 5) credentials.session_token = fields[4];
  return credentials;
}

CredentialFileProvider::CredentialFileProvider(std::string path,
                                               const Clock& clock)
    : path_(std::move(path)), clock_(clock) {}

void CredentialFileProvider::Fetch(CredentialsCallback done) {
  const std::string prefix = "credential-file: ";
  Result<std::string> contents = ReadLocalFile(path_, kMaxCredentialFileBytes);
  if (!contents.ok()) {
    done(Status(StatusCode::kCredentialsUnavailable,
                prefix + contents.status().message()));
    return;
  }
  Result<Credentials> credentials = ParseCredentialFile(*contents);
  if (!credentials.ok()) {
    done(Status(StatusCode::kCredentialsUnavailable,
                prefix + path_ + ": " + credentials.status().message()));
    return;
  }
  if (credentials->ExpiresWithin(clock_.RealtimeNs(), 0)) {
    done(Status(StatusCode::kCredentialsExpired,
                prefix + path_ + ": credentials expired at " +
                    FormatIso8601(*credentials->expiration_ns)));
    return;
  }
  done(std::move(credentials));
}

}  // namespace kvs
