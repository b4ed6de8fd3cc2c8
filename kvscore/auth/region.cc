#include "kvscore/auth/region.h"

#include "kvscore/auth/aws_profile.h"

namespace kvs {

ResolvedRegion ResolveRegion(const std::string& region_property,
                             const std::string& profile_property,
                             const EnvironmentFn& env) {
  if (!region_property.empty()) {
    return {region_property, "aws-region property"};
  }
  for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::optional<std::string> region = GetEnv(env, variable)) {
      return {*region, variable};
    }
  }
  std::string region = ProfileRegion(profile_property, env);
  if (!region.empty()) {
    return {region,
            "profile \"" + LocateProfile(profile_property, env).profile + "\""};
  }
  return {kDefaultRegion, "default"};
}

}  // namespace kvs
