// gst/kvssink_config.h: from the element's settings to kvscore's stream
// configuration, resolved once when the element starts.
#ifndef GST_KVSSINK_CONFIG_H_
#define GST_KVSSINK_CONFIG_H_

#include <memory>
#include <string>
#include <vector>

#include "gst/kvssink_settings.h"
#include "kvscore/auth/clock_skew.h"
#include "kvscore/auth/credential_provider.h"
#include "kvscore/auth/environment.h"
#include "kvscore/base/clock.h"
#include "kvscore/base/status.h"
#include "kvscore/stream/kvs_stream.h"

namespace kvssink {

struct StartConfig {
  kvs::StreamConfig stream;
  std::shared_ptr<kvs::CredentialProvider> credentials;
  std::string region;           // Resolved region.
  std::string region_source;    // "aws-region property", "AWS_REGION", ...
  std::string endpoint_source;  // "endpoint-uri property", "rules", ...
  std::string ca_source;        // "ca-path property", ..., "system store".
  std::string proxy_display;    // Proxy for logs, credentials redacted.
  std::vector<std::string> warnings;  // e.g. unknown iot-certificate keys.
};

// The User-Agent sent with every request: "<user-agent or kvssink/VERSION>
// kvssink/VERSION GStreamer/x.y.z".
std::string MakeUserAgent(const Settings& settings);

// `clock` signs every request and is corrected when the service reports
// clock skew; it must outlive the stream. Errors: kInvalidArgument for a
// bad stream name, endpoint, region combination, CA path, proxy or
// iot-certificate structure (the message names the property or variable).
kvs::Result<StartConfig> BuildStartConfig(const Settings& settings,
                                          const kvs::EnvironmentFn& env,
                                          kvs::SkewCorrectedClock* clock);

}  // namespace kvssink

#endif  // GST_KVSSINK_CONFIG_H_
