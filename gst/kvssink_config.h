// gst/kvssink_config.h: from the element's settings to kvscore's stream
// configuration, resolved once when the element starts.
#ifndef GST_KVSSINK_CONFIG_H_
#define GST_KVSSINK_CONFIG_H_

#include <memory>
#include <string>

#include "gst/kvssink_settings.h"
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
};

// The User-Agent sent with every request: "<user-agent or kvssink/VERSION>
// kvssink/VERSION GStreamer/x.y.z".
std::string MakeUserAgent(const Settings& settings);

// Errors: kInvalidArgument for a bad stream name, endpoint or region
// combination (the message names the property).
kvs::Result<StartConfig> BuildStartConfig(const Settings& settings,
                                          const kvs::EnvironmentFn& env,
                                          const kvs::Clock& clock);

}  // namespace kvssink

#endif  // GST_KVSSINK_CONFIG_H_
