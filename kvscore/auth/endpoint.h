// kvscore/auth/endpoint.h: the Kinesis Video Streams control-plane endpoint.
//
// ResolveKinesisVideoEndpoint() mirrors botocore's endpoint rule set for
// kinesisvideo (botocore 1.29.27, data/kinesisvideo/2017-09-30/
// endpoint-rule-set-1.json) with its partitions (data/partitions.json):
//   - explicit endpoint: used as given; with FIPS or dual-stack an error;
//   - FIPS + dual-stack: https://kinesisvideo-fips.<region>.<dual-stack dns>
//   - FIPS:              https://kinesisvideo-fips.<region>.<dns>
//   - dual-stack:        https://kinesisvideo.<region>.<dual-stack dns>
//   - otherwise:         https://kinesisvideo.<region>.<dns>
// where the partition's DNS suffixes are amazonaws.com / api.aws (aws,
// aws-us-gov), amazonaws.com.cn / api.amazonwebservices.com.cn (aws-cn),
// c2s.ic.gov (aws-iso) and sc2s.sgov.gov (aws-iso-b); the iso partitions
// have no dual-stack. A region is matched to its partition by name, then by
// the partitions' region patterns, else it belongs to "aws".
// tests/unit/auth/endpoint_test.cc checks it against a table generated with
// botocore (gen_endpoint_table.py beside it).
//
// Deliberate differences from botocore: an empty region, or one that is not
// a DNS label ([A-Za-z0-9-]), is an error instead of a URL; an explicit
// endpoint that is not an http(s) URL is an error instead of being ignored.
// Unlike upstream (upstream-kvssink.md A.4), FIPS is used only when asked
// for, as in the AWS SDKs, not chosen automatically for GovCloud.
//
// ResolveControlPlaneEndpoint() adds the environment, as the AWS SDKs and
// upstream read it (issue 2 section 4): the `endpoint-uri` property, else
// $AWS_ENDPOINT_URL_KINESIS_VIDEO, else $AWS_ENDPOINT_URL, else
// $CONTROL_PLANE_URI (upstream); FIPS and dual-stack also when
// $AWS_USE_FIPS_ENDPOINT / $AWS_USE_DUALSTACK_ENDPOINT are true. An explicit
// endpoint without a scheme ("localhost:4567") gets "https://".
//
// Pure except for the environment read; thread-safe.
#ifndef KVSCORE_AUTH_ENDPOINT_H_
#define KVSCORE_AUTH_ENDPOINT_H_

#include <string>
#include <string_view>

#include "kvscore/auth/environment.h"
#include "kvscore/base/status.h"

namespace kvs {

struct AwsPartition {
  const char* name;  // "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b".
  const char* dns_suffix;
  const char* dual_stack_dns_suffix;
  bool supports_fips;
  bool supports_dual_stack;
};

// The partition `region` belongs to (never fails: default "aws").
const AwsPartition& PartitionOf(std::string_view region);

struct EndpointSettings {
  std::string region;           // Required, e.g. "us-west-2".
  bool use_fips = false;        // FIPS 140 endpoint.
  bool use_dual_stack = false;  // IPv4 + IPv6 endpoint.
  std::string endpoint;         // Explicit endpoint URL; "" = from rules.
};

// The control-plane base URL, without a trailing '/', e.g.
// "https://kinesisvideo.us-west-2.amazonaws.com". Errors (kInvalidArgument):
// botocore's messages for impossible combinations ("Invalid Configuration:
// FIPS and custom endpoint are not supported", "DualStack is enabled but
// this partition does not support DualStack", ...), and the differences
// listed above.
Result<std::string> ResolveKinesisVideoEndpoint(
    const EndpointSettings& settings);

struct ResolvedEndpoint {
  std::string url;
  // "endpoint-uri property", "AWS_ENDPOINT_URL_KINESIS_VIDEO",
  // "AWS_ENDPOINT_URL", "CONTROL_PLANE_URI" or "rules".
  std::string source;
};

// `settings` as the element has them (endpoint = `endpoint-uri`), completed
// from `env` as described above.
Result<ResolvedEndpoint> ResolveControlPlaneEndpoint(EndpointSettings settings,
                                                     const EnvironmentFn& env);

}  // namespace kvs

#endif  // KVSCORE_AUTH_ENDPOINT_H_
