// kvscore/auth/clock_skew.h: correcting the signing clock from the time the
// service reports.
//
// SigV4 signatures carry their signing time (X-Amz-Date), and AWS rejects a
// request signed too far from its own clock (kvs-spec.md section 5: more
// than 15 min -> RequestExpired 400). Cameras often boot without NTP, so a
// device clock minutes or years off is common. Like the AWS SDKs (aws-sdk-js
// v3 `systemClockOffset`, aws-sdk-swift `AWSClockSkewProvider`), kvssink
// signs with the local clock plus an offset learned from the service's
// rejections (issue 7, "Transport").
//
// Two parts:
//   - Pure parsers (thread-safe, no clock, no I/O) that extract the server's
//     time from a rejection: the `message` of a "Signature expired" /
//     "Signature not yet current" answer, else the HTTP Date header of a
//     clock-skew-shaped answer.
//   - SkewCorrectedClock, a Clock decorator holding the offset.
//
// Wording of the AWS messages (SigV4 front ends of the JSON services, HTTP
// 403, `x-amzn-ErrorType: InvalidSignatureException`, body
// {"message": "..."}), as seen in real replies:
//   "Signature expired: 20240522T115547Z is now earlier than
//    20240522T120908Z (20240522T121408Z - 5 min.)"
//     (hashnode-hub.vercel.app/posts/664de5a91e584186cd68a61c, aws eks)
//   "Signature not yet current: 20181120T211543Z is still later than
//    20181120T211529Z (20181120T211029Z + 5 min.)"
//     (github.com/serverless/enterprise/issues/11)
// The timestamp inside the parentheses is the server's time; the window is
// 5 or 15 min depending on the service. RequestExpired (400) is the KVS
// developer guide's name for the same condition (kvs-spec.md section 5).
// The clock-skew error types are aws-sdk-js-v3's CLOCK_SKEW_ERROR_CODES
// (packages/service-error-classification/src/constants.ts).
#ifndef KVSCORE_AUTH_CLOCK_SKEW_H_
#define KVSCORE_AUTH_CLOCK_SKEW_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kvscore/base/clock.h"
#include "kvscore/base/status.h"

namespace kvs {

// Skews up to this size are left alone: the Date header has 1 s resolution
// and the reply takes a network round trip to arrive, so small differences
// are noise, and SigV4 tolerates 5 min at the least. In ns.
inline constexpr int64_t kDefaultClockSkewThresholdNs = 60 * kNsPerSecond;

// Where a server time came from (for logs).
enum class ServerTimeSource {
  kSignatureMessage,  // "(20261121T122000Z - 15 min.)" in the error message.
  kDateHeader,        // The reply's HTTP Date header.
};

// "signature message" or "Date header".
const char* ServerTimeSourceName(ServerTimeSource source);

struct ServerTime {
  int64_t epoch_ns = 0;  // The server's wall time, ns since the Unix epoch.
  ServerTimeSource source = ServerTimeSource::kDateHeader;
};

// Parses an HTTP date (RFC 9110 section 5.6.7) into ns since the epoch:
// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" (what AWS sends), and the
// obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years are
// 19xx from 70, else 20xx) and asctime "Sun Nov  6 08:49:37 1994" forms.
// The weekday is not checked. Errors: kInvalidArgument naming the input.
Result<int64_t> ParseHttpDate(std::string_view text);

// The server time stated in an AWS signature-time message, anywhere in
// `text` (a JSON or XML error body, or just its message):
//   "Signature expired: <t> is now earlier than <t> (<server> - N min.)"
//   "Signature not yet current: <t> is still later than <t> (<server> + N
//   min.)"
// <server> is an X-Amz-Date style "YYYYMMDDTHHMMSSZ". nullopt when there is
// no such message or it lacks the parenthesised server time.
std::optional<int64_t> ServerTimeFromSignatureMessage(std::string_view text);

// True for the AWS error types that mean "client and server clocks
// disagree": AuthFailure, InvalidSignatureException, RequestExpired,
// RequestInTheFuture, RequestTimeTooSkewed, SignatureDoesNotMatch. Accepts
// the raw `x-amzn-ErrorType` value ("RequestExpired:http://...") and
// namespaced "__type" values ("com.amazon.coral.service#RequestExpired").
bool IsClockSkewErrorType(std::string_view error_type);

// The server's time as a rejection reports it, or nullopt when the reply
// does not look like a clock-skew rejection or carries no usable time.
// Considered only for HTTP 400, 401 and 403. In order:
//   1. a signature-time message in `body` (ServerTimeFromSignatureMessage);
//   2. the `Date` header (case-insensitive name), when the status is 401 or
//      403 (what a SigV4 front end answers for any signature problem; the
//      aws-sdk-java-v2 also treats these as possible clock skew) or the
//      AWS error type (`x-amzn-ErrorType` header, else the body's JSON
//      "__type"/"code"/"Code" or XML <Code>) is a clock-skew type
//      (IsClockSkewErrorType; RequestExpired comes with 400).
// A reply that is not about time yields at worst the server's correct time,
// which SkewCorrectedClock ignores unless the local clock is off. Pure;
// never logs (bodies of other replies may hold secrets).
std::optional<ServerTime> ServerTimeFromReply(
    int http_status,
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view body);

// A Clock whose wall time is another clock's plus an offset learned from the
// service. Monotonic time is passed through unchanged. Thread-safe: the
// offset is atomic, so signers on any thread read it while the network
// thread corrects it.
//
// Typical use (kvscore/net): sign with this clock; when a reply is
// rejected, call ServerTimeFromReply() and, if it returns a time,
// CorrectTo(). Re-sign and retry the request once at once when CorrectTo()
// returns true, or when IsSkewed(server time, the request's signing time)
// (another reply corrected the clock after this request was signed).
class SkewCorrectedClock final : public Clock {
 public:
  // `base` must outlive this clock. `threshold_ns` > 0.
  explicit SkewCorrectedClock(
      const Clock& base, int64_t threshold_ns = kDefaultClockSkewThresholdNs);
  SkewCorrectedClock(const SkewCorrectedClock&) = delete;
  SkewCorrectedClock& operator=(const SkewCorrectedClock&) = delete;

  // base.RealtimeNs() + offset_ns().
  int64_t RealtimeNs() const override;
  // base.MonotonicNs(): deadlines and timers are not affected.
  int64_t MonotonicNs() const override;

  // The current correction, in ns (positive: the local clock is behind).
  int64_t offset_ns() const { return offset_ns_.load(); }
  int64_t threshold_ns() const { return threshold_ns_; }

  // Compares `server.epoch_ns` with RealtimeNs(). When they differ by more
  // than the threshold, sets the offset so that RealtimeNs() matches the
  // server's time, logs one warning (the size of the skew, its direction and
  // `server.source`; nothing else), and returns true. Otherwise leaves the
  // offset unchanged and returns false. A later correction replaces the
  // earlier one, so a device clock that NTP fixes later is followed back.
  bool CorrectTo(const ServerTime& server);

  // True when `a_ns` and `b_ns` differ by more than the threshold.
  bool IsSkewed(int64_t a_ns, int64_t b_ns) const;

  // Drops the correction.
  void Reset() { offset_ns_.store(0); }

 private:
  const Clock& base_;
  const int64_t threshold_ns_;
  std::atomic<int64_t> offset_ns_{0};
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_CLOCK_SKEW_H_
