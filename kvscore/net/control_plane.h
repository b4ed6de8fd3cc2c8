// kvscore/net/control_plane.h: the KVS control-plane calls a producer makes.
//
// Each call is a signed rest-json POST to the control-plane endpoint
// (kvs-spec.md section 3; shapes from botocore's kinesisvideo 2017-09-30
// model; order and bodies as AWS's producer sends them,
// upstream-wire-capture.md sections 1 and 4):
//
//   DescribeStream   {"StreamName"}             -> StreamInfo
//   CreateStream     {"StreamName","MediaType","DataRetentionInHours",
//                     ["KmsKeyId"],["DeviceName"],["Tags"]} -> StreamARN
//   TagStream        {"StreamARN"|"StreamName","Tags"}    -> {}
//   GetDataEndpoint  {"StreamName","APIName"}   -> DataEndpoint
//
// Each function signs and starts the call and returns the HttpCall, which
// the caller owns: destroying it cancels the call. `done` then runs on the
// network thread with the parsed result, or a Status from ServiceError()
// (HTTP errors), StatusFromCurl() (transport) or kMalformedResponse (a 2xx
// reply that does not parse). When the request cannot be signed (bad
// credentials or URL) the function returns that Status and never calls
// `done`. Call on the network thread only.
#ifndef KVSCORE_NET_CONTROL_PLANE_H_
#define KVSCORE_NET_CONTROL_PLANE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "kvscore/auth/credentials.h"
#include "kvscore/base/status.h"
#include "kvscore/net/aws_request.h"
#include "kvscore/net/http_call.h"

namespace kvs {

class NetworkThread;

// botocore StreamInfo.
struct StreamDescription {
  std::string stream_name;
  std::string stream_arn;
  std::string status;  // "CREATING" | "ACTIVE" | "UPDATING" | "DELETING".
  std::string media_type;
  std::string kms_key_id;
  std::string version;
  std::string device_name;
  int64_t data_retention_hours = 0;
};

struct CreateStreamParams {
  std::string stream_name;
  std::string media_type;  // e.g. "video/h264" or "video/h264,audio/aac".
  int64_t data_retention_hours = 2;
  std::string kms_key_id;                   // Empty: the service's default key.
  std::string device_name;                  // Empty: omitted.
  std::map<std::string, std::string> tags;  // Empty: omitted.
};

// The fields every call needs besides its own.
struct ControlPlaneTarget {
  NetworkThread* thread = nullptr;
  std::string
      endpoint_url;  // e.g. https://kinesisvideo.us-west-2.amazonaws.com
  ApiContext api;
  Credentials credentials;
  int64_t signing_time_ns = 0;  // Now, on the (skew-corrected) clock.
};

template <typename T>
using ControlPlaneDone = std::function<void(Result<T>)>;

Result<std::unique_ptr<HttpCall>> DescribeStream(
    const ControlPlaneTarget& target, const std::string& stream_name,
    ControlPlaneDone<StreamDescription> done);

// Returns the new stream's ARN.
Result<std::unique_ptr<HttpCall>> CreateStream(
    const ControlPlaneTarget& target, const CreateStreamParams& params,
    ControlPlaneDone<std::string> done);

// `stream_arn` preferred; `stream_name` used when the ARN is empty.
Result<std::unique_ptr<HttpCall>> TagStream(
    const ControlPlaneTarget& target, const std::string& stream_arn,
    const std::string& stream_name,
    const std::map<std::string, std::string>& tags,
    ControlPlaneDone<bool> done);

// `api_name` e.g. "PUT_MEDIA". Returns the DataEndpoint URL.
Result<std::unique_ptr<HttpCall>> GetDataEndpoint(
    const ControlPlaneTarget& target, const std::string& stream_name,
    const std::string& api_name, ControlPlaneDone<std::string> done);

}  // namespace kvs

#endif  // KVSCORE_NET_CONTROL_PLANE_H_
