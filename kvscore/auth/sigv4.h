// kvscore/auth/sigv4.h: AWS Signature Version 4 (header signing), stage by
// stage.
//
// SigV4 (kvs-spec.md section 5; AWS General Reference, "Signature Version 4
// signing process") signs a request in four stages, each a public pure
// function here so each can be tested against the AWS test suite
// (../shared/vectors/sigv4, the aws-c-auth suite) byte for byte:
//
//   1. Canonical request: method, canonical URI, canonical query string,
//      canonical headers, signed-header list and payload hash, joined by '\n'.
//      BuildCanonicalRequest(), made of CanonicalUri(), CanonicalQueryString()
//      and MakeCanonicalHeaders().
//   2. String to sign: "AWS4-HMAC-SHA256", the X-Amz-Date, the credential
//      scope "<yyyymmdd>/<region>/<service>/aws4_request" and the hex SHA-256
//      of the canonical request. StringToSign(), CredentialScope().
//   3. Signature: HMAC chain secret -> date -> region -> service ->
//      "aws4_request" gives the signing key; the signature is the hex
//      HMAC-SHA256 of the string to sign under it. DeriveSigningKey(),
//      ComputeSignature().
//   4. Authorization header value. AuthorizationHeader().
//
// `Sign()` runs all four on a request and adds the headers a signed request
// carries. None of these functions reads a clock: the signing time is a
// parameter (ns since the Unix epoch, UTC), so the caller decides it (the
// network layer passes its skew-corrected clock's time).
//
// KVS usage (kvs-spec.md section 5; upstream-kvssink.md B.2;
// upstream-wire-capture.md sections 1-2): service "kinesisvideo"; control
// plane calls sign the hex SHA-256 of their JSON body; PutMedia signs the
// empty-payload hash (kEmptyPayloadSha256) because its body is streamed, and
// sends no x-amz-content-sha256 header.
//
// Secrets: the secret key, the signing key and the session token never reach
// a log or a Status message; error messages name only the offending header or
// field. The canonical request and string to sign are not secret (AWS returns
// them in SignatureDoesNotMatch errors) but contain the session token when it
// is signed, so log them only at trace level, and never log SigningResult
// whole.
//
// Thread-safety: all functions are pure and reentrant.
#ifndef KVSCORE_AUTH_SIGV4_H_
#define KVSCORE_AUTH_SIGV4_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kvscore/auth/credentials.h"
#include "kvscore/auth/crypto.h"
#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

namespace kvs {

inline constexpr char kSigV4Algorithm[] = "AWS4-HMAC-SHA256";
// The signing name of all three KVS API models (kvs-spec.md section 5).
inline constexpr char kKinesisVideoService[] = "kinesisvideo";

// Header names Sign() adds. Matching is case-insensitive everywhere.
inline constexpr char kAuthorizationHeader[] = "Authorization";
inline constexpr char kAmzDateHeader[] = "X-Amz-Date";
inline constexpr char kSecurityTokenHeader[] = "X-Amz-Security-Token";
inline constexpr char kContentSha256Header[] = "x-amz-content-sha256";

// One header as sent: name (any case) and raw value. A value may contain an
// obsolete line folding ("value1\n  value2"); canonicalization folds it.
using SigV4Header = std::pair<std::string, std::string>;

// The parts of an HTTP request SigV4 covers.
struct SigV4Request {
  std::string method;  // "GET", "POST", "PUT".
  // The path exactly as it goes on the wire (already percent-encoded where
  // the caller encoded it), without the query: "/putMedia". Empty means "/".
  std::string path;
  // The query as on the wire, without the '?': "a=1&b=2". May be empty.
  std::string query;
  // In wire order. Must include Host, with exactly the value sent (with the
  // port when the URL has a non-default one).
  std::vector<SigV4Header> headers;
};

// ---- Stage 1: canonical request ----

// Percent-encodes `bytes` per SigV4 (RFC 3986): unreserved characters
// A-Z a-z 0-9 '-' '.' '_' '~' stay; every other byte becomes "%XX" with
// upper-case hex; '/' stays only when `keep_slash`.
std::string UriEncode(std::string_view bytes, bool keep_slash);

// Decodes "%XX" escapes (any case); a '%' not followed by two hex digits and
// '+' are kept literally.
std::string PercentDecode(std::string_view text);

// The canonical URI of `path` (wire form). With `normalize`, dot segments are
// removed as in RFC 3986 section 5.2.4 and empty segments ("//") dropped,
// keeping a trailing '/' ("//example//" -> "/example/", "/a/.." -> "/").
// Then every byte is URI-encoded except '/'. Encoding the wire form once more
// is the "double encoding" all AWS services except S3 expect: a space sent
// as "%20" is signed as "%2520"; a raw byte (as the test suite writes them)
// is signed encoded once.
std::string CanonicalUri(std::string_view path, bool normalize);

// The canonical query string of `query` (wire form): split on '&' (empty
// parameters dropped), each at its first '=' (a parameter without one gets
// an empty value), names and values percent-decoded then re-encoded with
// UriEncode(keep_slash=false), sorted by name then value (byte order), joined
// as "k=v&k=v". Decoding first makes it idempotent on encoded input.
std::string CanonicalQueryString(std::string_view query);

// A header value as SigV4 signs it: leading and trailing whitespace removed
// and each run of whitespace (space, tab, CR, LF: so folded lines join) made
// one space. "  \"a   b   c\" " -> "\"a b c\"".
std::string CanonicalHeaderValue(std::string_view raw);

struct CanonicalHeaders {
  // "name:value\n" per signed header name, names lower-case and sorted,
  // values canonical; repeated headers joined with ',' in request order.
  std::string block;
  // "host;x-amz-date": the sorted lower-case names, joined with ';'.
  std::string signed_headers;
};

// Canonicalizes `headers`, leaving out "authorization" and every name in
// `unsigned_headers` (lower-case).
CanonicalHeaders MakeCanonicalHeaders(
    const std::vector<SigV4Header>& headers,
    const std::vector<std::string>& unsigned_headers);

struct CanonicalRequestParts {
  std::string canonical_request;
  std::string signed_headers;  // Goes into the Authorization header.
};

// Stage 1: "<METHOD>\n<canonical uri>\n<canonical query>\n<canonical header
// block>\n<signed headers>\n<payload hash>". `request.headers` must already
// hold every header to sign (X-Amz-Date included). `payload_hash` is the
// lower-case hex SHA-256 of the body (kEmptyPayloadSha256 for PutMedia).
CanonicalRequestParts BuildCanonicalRequest(
    const SigV4Request& request, std::string_view payload_hash,
    bool normalize_path, const std::vector<std::string>& unsigned_headers);

// ---- Stage 2: string to sign ----

// "<yyyymmdd>/<region>/<service>/aws4_request".
std::string CredentialScope(std::string_view scope_date,
                            std::string_view region, std::string_view service);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical_request)>".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// ---- Stage 3: signing key and signature ----

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
// "aws4_request"). The result is secret.
Sha256Digest DeriveSigningKey(std::string_view secret_access_key,
                              std::string_view scope_date,
                              std::string_view region,
                              std::string_view service);

// Lower-case hex HMAC-SHA256(signing_key, string_to_sign): 64 characters.
std::string ComputeSignature(const Sha256Digest& signing_key,
                             std::string_view string_to_sign);

// ---- Stage 4: Authorization header ----

// "AWS4-HMAC-SHA256 Credential=<akid>/<scope>, SignedHeaders=<list>,
// Signature=<hex>".
std::string AuthorizationHeader(std::string_view access_key_id,
                                std::string_view scope,
                                std::string_view signed_headers,
                                std::string_view signature);

// ---- All stages ----

// Where the session token goes. Both are accepted by AWS.
enum class SessionTokenMode {
  // X-Amz-Security-Token is added before signing and is signed, as botocore
  // and the AWS SDKs do. kvssink's network layer uses this mode.
  kSigned,
  // X-Amz-Security-Token is added after signing, unsigned, as upstream
  // kvssink does (upstream-kvssink.md B.2). Kept to reproduce upstream
  // requests byte for byte (vector post-sts-header-after).
  kUnsignedAfterSigning,
};

struct SigningParams {
  std::string region;                          // e.g. "us-west-2". Required.
  std::string service = kKinesisVideoService;  // Required.
  int64_t signing_time_ns = 0;  // UTC, ns since the Unix epoch. Required.
  bool normalize_path = true;   // False only for S3-style services.
  // Hex SHA-256 of the payload. Unset: computed from the body given to
  // Sign(). PutMedia sets kEmptyPayloadSha256.
  std::optional<std::string> payload_hash;
  // Adds and signs "x-amz-content-sha256: <payload hash>" (S3 and the test
  // suite's sign_body cases). KVS does not send it.
  bool add_content_sha256_header = false;
  SessionTokenMode session_token_mode = SessionTokenMode::kSigned;
  // Lower-case names of headers sent but not signed, e.g. headers a
  // transport may rewrite. "authorization" is never signed.
  std::vector<std::string> unsigned_headers;
};

// What Sign() computed, stage by stage (for tests and trace logs; the string
// to sign and canonical request may hold the session token).
struct SigningResult {
  std::string canonical_request;
  std::string signed_headers;
  std::string string_to_sign;
  std::string signature;      // Hex.
  std::string authorization;  // The Authorization header value.
};

// Signs `request` in place: removes any Authorization, X-Amz-Date,
// X-Amz-Security-Token and x-amz-content-sha256 headers left from an earlier
// signing (so a retry can re-sign), then appends, in this order,
// X-Amz-Security-Token (kSigned mode, when `credentials` has a token),
// X-Amz-Date, x-amz-content-sha256 (if asked), Authorization, and
// X-Amz-Security-Token (kUnsignedAfterSigning mode).
// `body` is hashed only when `params.payload_hash` is unset.
// Errors (kSigningFailed, request untouched): incomplete credentials, empty
// method, region or service, negative time, no Host header, a header name
// that is not an HTTP token, a header value with a CR or LF not followed by
// whitespace (a header injection), a payload hash that is not 64 hex digits.
Result<SigningResult> Sign(SigV4Request* request, ByteSpan body,
                           const Credentials& credentials,
                           const SigningParams& params);

}  // namespace kvs

#endif  // KVSCORE_AUTH_SIGV4_H_
