#include "kvscore/net/error_class.h"

namespace kvs {

bool IsStreamGoneAck(int error_id) {
  return error_id == 4008 || error_id == 4507;
}

bool IsNonRetriableAck(int error_id) {
  if (IsStreamGoneAck(error_id)) return false;
  return (error_id >= 4001 && error_id <= 4002) ||
         (error_id >= 4004 && error_id <= 4012) ||
         (error_id >= 4500 && error_id <= 4506);
}

bool IsRetriable(const Status& status) {
  switch (status.code()) {
    case StatusCode::kConnectFailed:
    case StatusCode::kNetworkError:
    case StatusCode::kTimeout:
    case StatusCode::kThrottled:
    case StatusCode::kServiceUnavailable:
    case StatusCode::kMalformedResponse:
      return true;
    case StatusCode::kAckError:
      return !IsNonRetriableAck(status.kvs_error_id()) &&
             !IsStreamGoneAck(status.kvs_error_id());
    default:
      return false;
  }
}

}  // namespace kvs
