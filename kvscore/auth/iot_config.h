// kvscore/auth/iot_config.h: the `iot-certificate` structure property,
// turned into an IotCredentialConfig.
//
// Upstream kvssink reads a GstStructure such as
//   iot-certificate,endpoint=c1a2b3.credentials.iot.us-west-2.amazonaws.com,
//     cert-path=/certs/device.pem.crt,key-path=/certs/private.pem.key,
//     ca-path=/certs/AmazonRootCA1.pem,role-aliases=KvsCameraRoleAlias,
//     iot-thing-name=camera-1,connection-timeout=3,completion-timeout=5
// (upstream-kvssink.md A.2; upstream src/gstreamer/Util/KvsSinkUtil.h for
// the key names, gstkvssink.cpp for the defaults: thing name = stream name,
// connection-timeout 3 s, completion-timeout 5 s, both whole seconds).
//
// The element flattens the structure to strings (its glue, gst/); this pure
// function validates them. Differences from upstream, all more lenient:
//   - `ca-path` is optional ("" = the transport's default store; the element
//     may fill in KVSSINK_CA_CERT_PATH/AWS_CA_BUNDLE, see ca_bundle.h);
//   - unknown keys are reported as warnings, not rejected (upstream rejects
//     the whole structure), so a typo is visible but a newer key does not
//     break an older build.
#ifndef KVSCORE_AUTH_IOT_CONFIG_H_
#define KVSCORE_AUTH_IOT_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kvscore/auth/iot_credential_provider.h"
#include "kvscore/base/status.h"

namespace kvs {

// Upstream's defaults, in ms.
inline constexpr int64_t kDefaultIotConnectTimeoutMs = 3000;
inline constexpr int64_t kDefaultIotCompletionTimeoutMs = 5000;
// Largest accepted timeout value, in s.
inline constexpr int64_t kMaxIotTimeoutSeconds = 3600;

// What the parser reports besides the config.
struct IotConfigExtras {
  // `connection-timeout` in ms (TCP + TLS handshake bound); also in
  // IotCredentialConfig::connect_timeout_ms. Default 3000.
  int64_t connect_timeout_ms = kDefaultIotConnectTimeoutMs;
  // One line per unknown key: "iot-certificate: unknown key \"foo\"
  // ignored (known keys: ...)". Values are never included.
  std::vector<std::string> warnings;
};

// Builds the config from the structure's fields:
//   endpoint            required; host[:port] or https://host[:port]
//   cert-path           required; PEM device certificate
//   key-path            required; PEM private key
//   role-aliases        required; the role alias name
//   ca-path             optional; PEM file or hashed directory
//   iot-thing-name      optional; default `stream_name`
//   connection-timeout  optional; whole seconds, 1..3600, default 3
//                       (-> IotCredentialConfig::connect_timeout_ms)
//   completion-timeout  optional; whole seconds, 1..3600, default 5
//                       (-> IotCredentialConfig::timeout_ms)
// Values are trimmed of surrounding spaces. `extras`, when not null,
// receives the connect timeout and the warnings.
// Errors (kInvalidArgument, message starting "iot-certificate: ", naming
// the key, never a value other than the endpoint or a number): a missing or
// empty required key, an empty optional key, a timeout that is not a whole
// number of seconds in range, an endpoint with a scheme other than https or
// with a path, and an empty thing name with an empty `stream_name`.
// Pure; thread-safe. Paths are not checked here (the provider reports
// unreadable files when it fetches).
Result<IotCredentialConfig> IotConfigFromFields(
    const std::map<std::string, std::string>& fields,
    const std::string& stream_name, IotConfigExtras* extras = nullptr);

}  // namespace kvs

#endif  // KVSCORE_AUTH_IOT_CONFIG_H_
