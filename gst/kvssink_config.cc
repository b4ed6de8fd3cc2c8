#include "gst/kvssink_config.h"

#include <glib.h>

#include <algorithm>
#include <random>

#include "kvscore/auth/ca_bundle.h"
#include "kvscore/auth/default_credential_chain.h"
#include "kvscore/auth/endpoint.h"
#include "kvscore/auth/iot_config.h"
#include "kvscore/auth/region.h"
#include "kvscore/net/curl_http_fetcher.h"

namespace kvssink {
namespace {

constexpr char kDefaultAgent[] = "kvssink/" KVSSINK_VERSION;
// Sessions rotate after at most 40 minutes: KVS closes PutMedia connections
// at 45 (kvs-spec.md section 2, limits; upstream-kvssink.md B.5).
constexpr guint kMaxRotationS = 2400;
// An open fragment is closed with an end-of-fragment tag after this long
// without frames, as AWS's producer does (upstream-kvssink.md A.7).
constexpr int64_t kIdleEndOfFragmentS = 20;

kvs::Status BadSetting(const std::string& message) {
  return kvs::Status(kvs::StatusCode::kInvalidArgument, message);
}

// StreamName: 1-256 of [a-zA-Z0-9_.-] (kvs-spec.md section 3).
kvs::Status CheckStreamName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 256;
  for (char c : name) {
    ok = ok && (g_ascii_isalnum(c) || c == '_' || c == '.' || c == '-');
  }
  if (ok) return kvs::Status::Ok();
  return BadSetting("stream-name '" + name +
                    "' is invalid: use 1-256 characters of a-z A-Z 0-9 _ . -");
}

std::map<std::string, std::string> TagsFrom(const GstStructure* s) {
  std::map<std::string, std::string> tags;
  if (s == nullptr) return tags;
  for (int i = 0; i < gst_structure_n_fields(s); ++i) {
    const char* name = gst_structure_nth_field_name(s, i);
    const GValue* value = gst_structure_get_value(s, name);
    if (G_VALUE_HOLDS_STRING(value)) {
      tags[name] = g_value_get_string(value);
    } else {
      g_autofree char* text = gst_value_serialize(value);
      tags[name] = text != nullptr ? text : "";
    }
  }
  return tags;
}

// A GstStructure's fields as strings (numbers in decimal), as upstream's
// iot-certificate parser takes them.
std::map<std::string, std::string> FieldsOf(const GstStructure* s) {
  return TagsFrom(s);
}

std::array<uint8_t, 16> RandomUid() {
  std::random_device device;
  std::array<uint8_t, 16> uid;
  for (uint8_t& b : uid) b = static_cast<uint8_t>(device());
  return uid;
}

kvs::FreeRule FreeRuleFor(const Settings& s) {
  if (!s.fragment_acks) return kvs::FreeRule::kOnSent;
  if (s.retention_period_hours == 0) return kvs::FreeRule::kOnReceived;
  return kvs::FreeRule::kOnPersisted;
}

kvs::PackagerConfig PackagingFor(const Settings& s) {
  kvs::PackagerConfig p;
  p.key_frame_fragmentation = s.key_frame_fragmentation;
  p.fragment_duration_ns = s.fragment_duration_ms * kvs::kNsPerMs;
  p.absolute_fragment_times = s.absolute_fragment_times;
  // Offline input is read as fast as storage allows: a pad blocked on a
  // full store is not silent, so only the media-span bound applies.
  p.max_interleave_wait_ns =
      s.streaming_type == kOffline
          ? 0
          : int64_t{s.silent_pad_timeout_ms} * kvs::kNsPerMs;
  // framerate is a hint: the duration of frames that carry none.
  p.default_frame_duration_ns = kvs::kNsPerSecond / std::max(1u, s.framerate);
  p.segment.segment_uid = RandomUid();
  p.segment.title = "kvssink";
  p.segment.muxing_app = kDefaultAgent;
  p.segment.writing_app = kDefaultAgent;
  return p;
}

}  // namespace

std::string MakeUserAgent(const Settings& settings) {
  std::string agent =
      settings.user_agent.empty() ? kDefaultAgent : settings.user_agent;
  if (!settings.user_agent.empty()) agent += std::string(" ") + kDefaultAgent;
  guint major, minor, micro, nano;
  gst_version(&major, &minor, &micro, &nano);
  return agent + " GStreamer/" + std::to_string(major) + "." +
         std::to_string(minor) + "." + std::to_string(micro);
}

kvs::Result<StartConfig> BuildStartConfig(const Settings& s,
                                          const kvs::EnvironmentFn& env,
                                          kvs::SkewCorrectedClock* clock) {
  KVS_RETURN_IF_ERROR(CheckStreamName(s.stream_name));
  StartConfig out;
  kvs::ResolvedRegion region = kvs::ResolveRegion(s.aws_region, s.profile, env);
  out.region = region.region;
  out.region_source = region.source;
  kvs::EndpointSettings endpoint_settings;
  endpoint_settings.region = region.region;
  endpoint_settings.endpoint = s.endpoint_uri;
  kvs::Result<kvs::ResolvedEndpoint> endpoint =
      kvs::ResolveControlPlaneEndpoint(endpoint_settings, env);
  if (!endpoint.ok()) return endpoint.status();
  out.endpoint_source = endpoint->source;
  kvs::Result<kvs::ResolvedCaPath> ca = kvs::ResolveCaPath(s.ca_path, env);
  if (!ca.ok()) return ca.status();
  out.ca_source = ca->source;
  kvs::Result<kvs::ResolvedProxy> proxy = kvs::ResolveProxy(s.proxy, env);
  if (!proxy.ok()) return proxy.status();
  out.proxy_display = proxy->display;

  kvs::CredentialSettings creds;
  creds.access_key = s.access_key;
  creds.secret_key = s.secret_key;
  creds.session_token = s.session_token;
  creds.credential_path = s.credential_path;
  creds.profile = s.profile;
  if (s.iot_certificate.get() != nullptr) {
    kvs::IotConfigExtras extras;
    kvs::Result<kvs::IotCredentialConfig> iot = kvs::IotConfigFromFields(
        FieldsOf(s.iot_certificate.get()), s.stream_name, &extras);
    if (!iot.ok()) return iot.status();
    if (iot->ca_path.empty()) iot->ca_path = ca->path;
    creds.iot = std::move(iot).value();
    out.warnings = extras.warnings;
  }
  kvs::CurlHttpFetcher::Options fetch_options;
  fetch_options.proxy = proxy->proxy;
  out.credentials = kvs::BuildDefaultCredentialProvider(
      creds, env, kvs::CurlHttpFetcher::Create(fetch_options), *clock);

  kvs::StreamConfig& c = out.stream;
  c.packaging = PackagingFor(s);
  c.storage_bytes = uint64_t{s.storage_size_mb} * 1024 * 1024;
  c.free_rule = FreeRuleFor(s);
  c.block_when_full = s.streaming_type == kOffline;
  c.buffer_duration_ms = int64_t{s.buffer_duration_s} * 1000;
  c.recalculate_metrics = s.recalculate_metrics;
  c.drain_timeout_ms = int64_t{s.stop_stream_timeout_s} * 1000;
  kvs::UploaderConfig& u = c.upload;
  u.stream_name = s.stream_name;
  u.control_plane_url = endpoint->url;
  u.api.region = region.region;
  u.api.user_agent = MakeUserAgent(s);
  u.api.completion_timeout_ms = int64_t{s.completion_timeout_s} * 1000;
  u.api.transport.connect_timeout_ms = int64_t{s.connection_timeout_s} * 1000;
  u.api.transport.ca_path = ca->path;
  u.api.transport.proxy = proxy->proxy;
  u.api.skew = clock;
  u.allow_create_stream = s.allow_create_stream;
  u.create.media_type = s.content_type;
  u.create.data_retention_hours = s.retention_period_hours;
  u.create.kms_key_id = s.kms_key_id;
  u.tags = TagsFrom(s.stream_tags.get());
  u.acks_required = s.fragment_acks;
  u.restart_on_error = s.restart_on_error;
  // Staleness needs BUFFERING ACKs; without ACKs nothing can be stale.
  u.health.staleness_ns =
      s.fragment_acks ? int64_t{s.connection_staleness_s} * kvs::kNsPerSecond
                      : 0;
  u.health.max_latency_ns = int64_t{s.max_latency_s} * kvs::kNsPerSecond;
  u.health.rotation_ns =
      int64_t{std::min<guint>(s.rotation_period_s, kMaxRotationS)} *
      kvs::kNsPerSecond;
  u.health.idle_ns = kIdleEndOfFragmentS * kvs::kNsPerSecond;
  return out;
}

}  // namespace kvssink
