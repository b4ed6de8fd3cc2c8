// kvscore/base/status.h: error values for the whole core.
//
// kvscore never throws across its public API. Every fallible call returns a
// `Status` or a `Result<T>`. The element maps a failed Status to a GStreamer
// error exactly once, at the edge (gst/kvssink_errors.cc).
//
// Code ranges (StatusCode values):
//   0         OK
//   1..99     generic: bad argument, cancelled, timeout, internal
//   100..199  media input: codec private data, frames, timestamps
//   200..299  credentials and request signing
//   300..399  the service answered with an error: HTTP status, AWS error type
//             (`x-amzn-ErrorType`), or a PutMedia ERROR ACK (`kvs_error_id`)
//   400..499  transport: DNS, connect, TLS, send/receive failures
//
// Besides its code and human-readable message, a Status carries the details
// the service gave, where known: the HTTP status code, the AWS error type
// (e.g. "ResourceNotFoundException") and the PutMedia ACK ErrorId (e.g. 4004;
// kvs-spec.md section 2, "ACK error table"). Messages never contain secrets.
#ifndef KVSCORE_BASE_STATUS_H_
#define KVSCORE_BASE_STATUS_H_

#include <optional>
#include <string>
#include <utility>

namespace kvs {

enum class StatusCode : int {
  kOk = 0,
  // Generic.
  kInvalidArgument = 1,     // A caller passed a value outside its contract.
  kOutOfRange = 2,          // A value does not fit the format's field.
  kFailedPrecondition = 3,  // The object is not in a state that allows this.
  kCancelled = 4,           // Stopped by flush, state change or shutdown.
  kTimeout = 5,             // A bounded wait or request ran out of time.
  kResourceExhausted = 6,   // A byte or item budget is full.
  kUnimplemented = 7,       // Recognised but not supported.
  kInternal = 8,            // A bug or a library failure.
  // Media input.
  kInvalidCodecData = 100,  // avcC/hvcC/AudioSpecificConfig/SPS malformed.
  kUnsupportedCodec = 101,  // Well-formed, but not a codec we can package.
  kInvalidFrame = 102,      // Frame bytes malformed (e.g. NAL length overrun).
  kInvalidTimestamp = 103,  // A timestamp breaks a KVS rule and can't be fixed.
  // Credentials and signing.
  kCredentialsUnavailable = 200,  // No provider produced credentials.
  kCredentialsExpired = 201,      // Credentials past their expiration.
  kSigningFailed = 202,           // SigV4 could not sign (bad input).
  // Service errors.
  kServiceError = 300,        // Any other HTTP error status from the service.
  kNotAuthorized = 301,       // 401/403: signature, key or permission rejected.
  kResourceNotFound = 302,    // 404 ResourceNotFoundException.
  kThrottled = 303,           // ClientLimitExceeded / Throttling / 429.
  kServiceUnavailable = 304,  // 5xx.
  kInvalidEndpoint = 305,     // InvalidEndpointException: refresh endpoint.
  kStreamNotActive = 306,     // Stream is CREATING/UPDATING/DELETING.
  kAckError = 310,            // PutMedia ERROR ACK; see kvs_error_id().
  kMalformedResponse = 320,   // The reply could not be parsed.
  // Transport.
  kConnectFailed = 400,  // DNS failure or connection refused.
  kTlsFailed = 401,      // Handshake or certificate verification failed.
  kNetworkError = 402,   // Send or receive failed mid-transfer.
};

// Returns the stable name of `code`, e.g. "kResourceNotFound" -> "not-found".
const char* StatusCodeName(StatusCode code);

class Status {
 public:
  // An OK status.
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // HTTP status code of the reply that caused this error; 0 when none.
  int http_status() const { return http_status_; }
  Status& set_http_status(int status) {
    http_status_ = status;
    return *this;
  }
  // PutMedia ACK ErrorId (4000..5001); 0 when none.
  int kvs_error_id() const { return kvs_error_id_; }
  Status& set_kvs_error_id(int id) {
    kvs_error_id_ = id;
    return *this;
  }
  // AWS error type (`x-amzn-ErrorType` without any ":" suffix); may be empty.
  const std::string& aws_error_type() const { return aws_error_type_; }
  Status& set_aws_error_type(std::string type) {
    aws_error_type_ = std::move(type);
    return *this;
  }

  // "not-found: DescribeStream: stream x not found (HTTP 404,
  // ResourceNotFoundException)". For logs and error messages.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  int http_status_ = 0;
  int kvs_error_id_ = 0;
  std::string aws_error_type_;
};

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design.
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) {
      status_ = Status(StatusCode::kInternal, "Result built from OK status");
    }
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // Precondition: ok().
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace kvs

// Returns early from the enclosing function when `expr` is not OK.
#define KVS_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::kvs::Status kvs_status_ = (expr);        \
    if (!kvs_status_.ok()) return kvs_status_; \
  } while (0)

#endif  // KVSCORE_BASE_STATUS_H_
