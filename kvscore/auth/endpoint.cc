#include "kvscore/auth/endpoint.h"

#include <glib.h>

#include <algorithm>
#include <regex>
#include <vector>

namespace kvs {
namespace {

struct PartitionEntry {
  AwsPartition partition;
  const char* region_regex;
  std::vector<const char*> regions;  // Named explicitly in partitions.json.
};

// botocore 1.29.27 data/partitions.json, in its order.
const std::vector<PartitionEntry>& Partitions() {
  static const std::vector<PartitionEntry> kPartitions = {
      {{"aws", "amazonaws.com", "api.aws", true, true},
       R"(^(us|eu|ap|sa|ca|me|af)\-\w+\-\d+$)",
       {"aws-global"}},
      {{"aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn", true,
        true},
       R"(^cn\-\w+\-\d+$)",
       {"aws-cn-global"}},
      {{"aws-us-gov", "amazonaws.com", "api.aws", true, true},
       R"(^us\-gov\-\w+\-\d+$)",
       {"aws-us-gov-global"}},
      {{"aws-iso", "c2s.ic.gov", "c2s.ic.gov", true, false},
       R"(^us\-iso\-\w+\-\d+$)",
       {"aws-iso-global"}},
      {{"aws-iso-b", "sc2s.sgov.gov", "sc2s.sgov.gov", true, false},
       R"(^us\-isob\-\w+\-\d+$)",
       {"aws-iso-b-global"}},
  };
  return kPartitions;
}

bool IsHostLabel(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return g_ascii_isalnum(c) || c == '-';
  });
}

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}

bool IsHttpUrl(const std::string& url) {
  GUri* uri = g_uri_parse(url.c_str(), G_URI_FLAGS_NONE, nullptr);
  if (uri == nullptr) return false;
  const std::string scheme = g_uri_get_scheme(uri);
  const char* host = g_uri_get_host(uri);
  const bool ok =
      (scheme == "http" || scheme == "https") && host != nullptr && *host;
  g_uri_unref(uri);
  return ok;
}

}  // namespace

const AwsPartition& PartitionOf(std::string_view region) {
  const auto& partitions = Partitions();
  for (const PartitionEntry& entry : partitions) {
    for (const char* name : entry.regions) {
      if (region == name) return entry.partition;
    }
  }
  // Most region names already match here; the regex work is small.
  const std::string text(region);
  for (const PartitionEntry& entry : partitions) {
    if (std::regex_search(text, std::regex(entry.region_regex))) {
      return entry.partition;
    }
  }
  return partitions[0].partition;
}

Result<std::string> ResolveKinesisVideoEndpoint(
    const EndpointSettings& settings) {
  if (settings.region.empty()) return Invalid("the region is not set");
  if (!IsHostLabel(settings.region)) {
    return Invalid("region \"" + settings.region.substr(0, 64) +
                   "\" is not a valid region name");
  }
  if (!settings.endpoint.empty()) {
    if (settings.use_fips) {
      return Invalid(
          "Invalid Configuration: FIPS and custom endpoint are not "
          "supported");
    }
    if (settings.use_dual_stack) {
      return Invalid(
          "Invalid Configuration: Dualstack and custom endpoint are not "
          "supported");
    }
    if (!IsHttpUrl(settings.endpoint)) {
      return Invalid("endpoint \"" + settings.endpoint.substr(0, 200) +
                     "\" is not an http or https URL");
    }
    std::string url = settings.endpoint;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }
  const AwsPartition& partition = PartitionOf(settings.region);
  if (settings.use_fips && !partition.supports_fips) {
    return Invalid(settings.use_dual_stack
                       ? "FIPS and DualStack are enabled, but this partition "
                         "does not support one or both"
                       : "FIPS is enabled but this partition does not "
                         "support FIPS");
  }
  if (settings.use_dual_stack && !partition.supports_dual_stack) {
    return Invalid(settings.use_fips
                       ? "FIPS and DualStack are enabled, but this partition "
                         "does not support one or both"
                       : "DualStack is enabled but this partition does not "
                         "support DualStack");
  }
  std::string url = settings.use_fips ? "https://kinesisvideo-fips."
                                      : "https://kinesisvideo.";
  url += settings.region;
  url += '.';
  url += settings.use_dual_stack ? partition.dual_stack_dns_suffix
                                 : partition.dns_suffix;
  return url;
}

Result<ResolvedEndpoint> ResolveControlPlaneEndpoint(EndpointSettings settings,
                                                     const EnvironmentFn& env) {
  ResolvedEndpoint resolved;
  resolved.source = "rules";
  if (!settings.endpoint.empty()) {
    resolved.source = "endpoint-uri property";
  } else {
    for (const char* variable : {"AWS_ENDPOINT_URL_KINESIS_VIDEO",
                                 "AWS_ENDPOINT_URL", "CONTROL_PLANE_URI"}) {
      if (std::optional<std::string> value = GetEnv(env, variable)) {
        settings.endpoint = *value;
        resolved.source = variable;
        break;
      }
    }
  }
  if (!settings.endpoint.empty() &&
      settings.endpoint.find("://") == std::string::npos) {
    settings.endpoint = "https://" + settings.endpoint;
  }
  settings.use_fips |= GetEnvBool(env, "AWS_USE_FIPS_ENDPOINT");
  settings.use_dual_stack |= GetEnvBool(env, "AWS_USE_DUALSTACK_ENDPOINT");
  Result<std::string> url = ResolveKinesisVideoEndpoint(settings);
  if (!url.ok()) {
    return Status(url.status().code(),
                  resolved.source == "rules"
                      ? url.status().message()
                      : resolved.source + ": " + url.status().message());
  }
  resolved.url = std::move(*url);
  return resolved;
}

}  // namespace kvs
