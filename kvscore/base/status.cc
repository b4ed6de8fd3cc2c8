#include "kvscore/base/status.h"

#include <string>

namespace kvs {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid-argument";
    case StatusCode::kOutOfRange:
      return "out-of-range";
    case StatusCode::kFailedPrecondition:
      return "failed-precondition";
    case StatusCode::kCancelled:
      return "cancelled";
    case StatusCode::kTimeout:
      return "timeout";
    case StatusCode::kResourceExhausted:
      return "resource-exhausted";
    case StatusCode::kUnimplemented:
      return "unimplemented";
    case StatusCode::kInternal:
      return "internal";
    case StatusCode::kInvalidCodecData:
      return "invalid-codec-data";
    case StatusCode::kUnsupportedCodec:
      return "unsupported-codec";
    case StatusCode::kInvalidFrame:
      return "invalid-frame";
    case StatusCode::kInvalidTimestamp:
      return "invalid-timestamp";
    case StatusCode::kCredentialsUnavailable:
      return "credentials-unavailable";
    case StatusCode::kCredentialsExpired:
      return "credentials-expired";
    case StatusCode::kSigningFailed:
      return "signing-failed";
    case StatusCode::kServiceError:
      return "service-error";
    case StatusCode::kNotAuthorized:
      return "not-authorized";
    case StatusCode::kResourceNotFound:
      return "not-found";
    case StatusCode::kThrottled:
      return "throttled";
    case StatusCode::kServiceUnavailable:
      return "service-unavailable";
    case StatusCode::kInvalidEndpoint:
      return "invalid-endpoint";
    case StatusCode::kStreamNotActive:
      return "stream-not-active";
    case StatusCode::kAckError:
      return "ack-error";
    case StatusCode::kMalformedResponse:
      return "malformed-response";
    case StatusCode::kConnectFailed:
      return "connect-failed";
    case StatusCode::kTlsFailed:
      return "tls-failed";
    case StatusCode::kNetworkError:
      return "network-error";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = StatusCodeName(code_);
  out += ": ";
  out += message_;
  std::string details;
  if (http_status_ != 0) details += "HTTP " + std::to_string(http_status_);
  if (!aws_error_type_.empty()) {
    if (!details.empty()) details += ", ";
    details += aws_error_type_;
  }
  if (kvs_error_id_ != 0) {
    if (!details.empty()) details += ", ";
    details += "ErrorId " + std::to_string(kvs_error_id_);
  }
  if (!details.empty()) out += " (" + details + ")";
  return out;
}

}  // namespace kvs
