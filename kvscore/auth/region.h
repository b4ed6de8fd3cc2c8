// kvscore/auth/region.h: which AWS region kvssink talks to.
//
// Order (issue 7 section 3): the `aws-region` property, else $AWS_REGION,
// else $AWS_DEFAULT_REGION, else the selected profile's `region`
// (aws_profile.h: `profile` property, $AWS_PROFILE or "default"), else
// us-west-2 (producer-c's default, kvs-spec.md A.3). An explicit property
// always wins; upstream lets the environment override it, a bug not copied
// here.
//
// Reads the environment and, when it gets that far, the profile files.
// Thread-safe.
#ifndef KVSCORE_AUTH_REGION_H_
#define KVSCORE_AUTH_REGION_H_

#include <string>

#include "kvscore/auth/environment.h"

namespace kvs {

inline constexpr char kDefaultRegion[] = "us-west-2";

struct ResolvedRegion {
  std::string region;  // e.g. "eu-west-1".
  // Where it came from, for logs: "aws-region property", "AWS_REGION",
  // "AWS_DEFAULT_REGION", "profile \"dev\"", "default".
  std::string source;
};

ResolvedRegion ResolveRegion(const std::string& region_property,
                             const std::string& profile_property,
                             const EnvironmentFn& env);

}  // namespace kvs

#endif  // KVSCORE_AUTH_REGION_H_
