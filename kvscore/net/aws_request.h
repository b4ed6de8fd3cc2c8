// kvscore/net/aws_request.h: what every signed KVS request shares: the
// service endpoint, URL handling, SigV4 signing of an HttpRequest, and the
// mapping of AWS error replies to Status.
#ifndef KVSCORE_NET_AWS_REQUEST_H_
#define KVSCORE_NET_AWS_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kvscore/auth/credentials.h"
#include "kvscore/base/status.h"
#include "kvscore/net/http_call.h"

namespace kvs {

// Where and as whom requests go.
class SkewCorrectedClock;

struct ApiContext {
  std::string region = "us-west-2";  // SigV4 scope region.
  // When set, replies that show the signing clock is off (RequestExpired,
  // InvalidSignature "Signature expired", a Date header on 4xx) correct it
  // (auth/clock_skew.h); the caller's retry then signs with the right time.
  SkewCorrectedClock* skew = nullptr;
  std::string user_agent;  // Sent and signed as User-Agent.
  TransportOptions transport;
  int64_t completion_timeout_ms = 10000;  // Whole control-plane call bound.
};

// Joins a base URL ("http://127.0.0.1:4566", with or without trailing '/')
// and an absolute path ("/describeStream").
std::string JoinUrl(std::string_view base, std::string_view path);

// The Host header value for `url`: host, plus ":port" when the URL names a
// port other than the scheme's default (which is what libcurl sends).
// Errors: kInvalidArgument when `url` is not an absolute http(s) URL.
Result<std::string> HostHeaderForUrl(std::string_view url);

// Adds Host, X-Amz-Date, X-Amz-Security-Token (when the credentials have a
// token) and Authorization to `request` (SigV4, service "kinesisvideo").
// `payload_hash` unset: the hash of request->body; PutMedia passes the
// empty-payload hash. Errors: kSigningFailed, kInvalidArgument (bad URL).
Status SignHttpRequest(HttpRequest* request, const Credentials& credentials,
                       std::string_view region, int64_t signing_time_ns,
                       std::optional<std::string> payload_hash = {});

// Turns a non-2xx reply into a Status for `operation`: the AWS error type
// comes from the `x-amzn-ErrorType` header (without any ":" suffix) or the
// body's "__type"; the message from the body's "message"/"Message". Codes:
// ResourceNotFoundException/404 -> kResourceNotFound; NotAuthorized,
// AccessDenied, UnrecognizedClient, InvalidSignature, IncompleteSignature,
// MissingAuthenticationToken, RequestExpired, ExpiredToken, 401, 403 ->
// kNotAuthorized; ClientLimitExceeded, Throttling, 429 -> kThrottled;
// InvalidEndpoint -> kInvalidEndpoint; 5xx -> kServiceUnavailable; anything
// else -> kServiceError. The Status carries the HTTP status and error type.
Status ServiceError(const HttpResponse& response, std::string_view operation);

// If `response` (a non-2xx reply) reports the server's time and it differs
// from `signing_time_ns` by more than the skew threshold, corrects `skew`.
// Returns true when the clock was corrected. No-op when `skew` is null.
bool CorrectClockFromReply(SkewCorrectedClock* skew,
                           const HttpResponse& response,
                           int64_t signing_time_ns);

}  // namespace kvs

#endif  // KVSCORE_NET_AWS_REQUEST_H_
