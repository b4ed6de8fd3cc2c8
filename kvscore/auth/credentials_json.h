// kvscore/auth/credentials_json.h: what the HTTP credential providers share:
// parsing the JSON credentials documents and turning failed fetches into
// Status values that never leak secrets.
//
// Documents:
//   - AWS IoT credentials provider (kvs-spec.md section 5 and A.3):
//     {"credentials": {"accessKeyId": ..., "secretAccessKey": ...,
//      "sessionToken": ..., "expiration": "2019-01-31T23:00:59Z"}}
//   - Container credentials (ECS task role, EKS Pod Identity, Greengrass
//     token exchange) and EC2 instance metadata:
//     {"AccessKeyId": ..., "SecretAccessKey": ..., "Token": ...,
//      "Expiration": "2019-01-31T23:00:59Z"} (IMDS adds "Code": "Success").
//
// Pure functions; thread-safe.
#ifndef KVSCORE_AUTH_CREDENTIALS_JSON_H_
#define KVSCORE_AUTH_CREDENTIALS_JSON_H_

#include <string>
#include <string_view>

#include "kvscore/auth/credentials.h"
#include "kvscore/auth/http_fetcher.h"
#include "kvscore/base/status.h"

namespace kvs {

struct CredentialsJsonFields {
  const char* object;  // Member holding the fields; nullptr for the root.
  const char* access_key_id;
  const char* secret_access_key;
  const char* session_token;
  const char* expiration;
};

inline constexpr CredentialsJsonFields kIotCredentialsJson = {
    "credentials", "accessKeyId", "secretAccessKey", "sessionToken",
    "expiration"};
inline constexpr CredentialsJsonFields kContainerCredentialsJson = {
    nullptr, "AccessKeyId", "SecretAccessKey", "Token", "Expiration"};

// Parses a credentials document. The key id and secret are required; the
// token and the expiration (ISO 8601) are optional. A "Code" member other
// than "Success" is an error (IMDS). Errors (kMalformedResponse): "not
// JSON", "no <field>", "<field> is not a date"; never the body.
Result<Credentials> ParseCredentialsJson(std::string_view body,
                                         const CredentialsJsonFields& fields);

// A short, non-secret description of an error body: the string member
// "message", "Message", "code" or "Code" of a JSON object (at most 200
// characters), else "". Used only for non-2xx answers.
std::string ErrorBodyMessage(std::string_view body);

// The Status for a fetch step that failed. `what` names the provider and
// step ("iot-certificate: GET https://.../credentials"). For a transport
// error the cause is kept in the message ("... : tls-failed: ..."); for an
// HTTP answer the status and ErrorBodyMessage() are. The code is always
// kCredentialsUnavailable, with http_status() set for HTTP answers.
Status FetchFailure(const std::string& what,
                    const Result<HttpFetchResponse>& result);

// True for a 2xx answer.
inline bool IsHttpSuccess(const Result<HttpFetchResponse>& result) {
  return result.ok() && result->status >= 200 && result->status < 300;
}

// kCredentialsExpired ("<what>: credentials expired at <iso>") when
// `credentials` expire at or before `now_ns`; OK otherwise.
Status CheckNotExpired(const std::string& what, const Credentials& credentials,
                       int64_t now_ns);

// The last step of every HTTP provider: FetchFailure() for a transport error
// or non-2xx answer, ParseCredentialsJson() (its error re-coded
// kCredentialsUnavailable and prefixed with `what`), then CheckNotExpired().
Result<Credentials> CredentialsFromResponse(
    const std::string& what, const Result<HttpFetchResponse>& response,
    const CredentialsJsonFields& fields, int64_t now_ns);

}  // namespace kvs

#endif  // KVSCORE_AUTH_CREDENTIALS_JSON_H_
