#include "gst/kvssink_settings.h"

#include <climits>

namespace kvssink {
namespace {

constexpr GParamFlags kReadWrite = static_cast<GParamFlags>(
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
constexpr GParamFlags kWriteOnly = static_cast<GParamFlags>(
    G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

struct UintProp {
  PropertyId id;
  const char* name;
  const char* blurb;
  guint Settings::*member;
  guint min, max;
};

struct BoolProp {
  PropertyId id;
  const char* name;
  const char* blurb;
  gboolean Settings::*member;
};

struct StringProp {
  PropertyId id;
  const char* name;
  const char* blurb;
  std::string Settings::*member;
  bool secret;  // Write-only; never read back or logged.
};

const UintProp kUintProps[] = {
    {PROP_RETENTION_PERIOD, "retention-period",
     "How long KVS keeps the stream's data, in hours, when kvssink creates "
     "the stream; 0 = no persistence (fragments are freed on RECEIVED)",
     &Settings::retention_period_hours, 0, 87600},
    {PROP_MAX_LATENCY, "max-latency",
     "Most buffered-but-unacknowledged duration before the connection is "
     "reset, in seconds; 0 = no limit",
     &Settings::max_latency_s, 0, UINT_MAX},
    {PROP_FRAGMENT_DURATION, "fragment-duration",
     "Target fragment duration, in ms; used when key-frame-fragmentation is "
     "false and for audio-only streams",
     &Settings::fragment_duration_ms, 1000, 10000},
    {PROP_TIMECODE_SCALE, "timecode-scale",
     "MKV timecode scale, in ms (only 1 is supported: KVS fragment "
     "timecodes are in ms)",
     &Settings::timecode_scale_ms, 1, 1},
    {PROP_FRAMERATE, "framerate",
     "Expected frame rate, in frames per second: the duration given to "
     "frames whose buffers carry none",
     &Settings::framerate, 1, 1000},
    {PROP_AVG_BANDWIDTH_BPS, "avg-bandwidth-bps",
     "Expected average bandwidth, in bytes per second: when set, a warning "
     "at start if storage-size can't hold buffer-duration at this rate",
     &Settings::avg_bandwidth_bps, 1, UINT_MAX},
    {PROP_BUFFER_DURATION, "buffer-duration",
     "Most unacknowledged media kept for replay, in seconds",
     &Settings::buffer_duration_s, 1, UINT_MAX},
    {PROP_REPLAY_DURATION, "replay-duration",
     "How far back a reconnect may replay unacknowledged media, in seconds",
     &Settings::replay_duration_s, 0, UINT_MAX},
    {PROP_CONNECTION_STALENESS, "connection-staleness",
     "Reconnect when no BUFFERING ACK arrives for this long while sending, "
     "in seconds; 0 = never",
     &Settings::connection_staleness_s, 0, UINT_MAX},
    {PROP_ROTATION_PERIOD, "rotation-period",
     "Longest life of one PutMedia connection before it is rotated with "
     "fresh credentials, in seconds; capped at 2400 because KVS closes "
     "connections after 45 minutes",
     &Settings::rotation_period_s, 1, UINT_MAX},
    {PROP_STORAGE_SIZE, "storage-size",
     "Most memory held for unacknowledged fragments, in MiB; nothing is "
     "reserved up front",
     &Settings::storage_size_mb, 1, 1024 * 1024},
    {PROP_CONNECTION_TIMEOUT, "connection-timeout",
     "Limit for establishing a connection (TCP and TLS), in seconds",
     &Settings::connection_timeout_s, 1, 3600},
    {PROP_COMPLETION_TIMEOUT, "completion-timeout",
     "Limit for a whole control-plane call, in seconds",
     &Settings::completion_timeout_s, 1, 3600},
    {PROP_STOP_STREAM_TIMEOUT, "stop-stream-timeout",
     "At end of stream, the longest wait for the last fragment's "
     "acknowledgement before EOS is posted anyway, in seconds",
     &Settings::stop_stream_timeout_s, 0, 3600},
    {PROP_SILENT_PAD_TIMEOUT, "silent-pad-timeout",
     "Longest a pad without data (audio dropping out, a late pad) holds "
     "back the others, in ms of real time; the silent track then leaves the "
     "fragment header until it delivers again (realtime only: offline "
     "waits up to 10 s of media instead)",
     &Settings::silent_pad_timeout_ms, 1, 60 * 1000},
    {PROP_STATS_INTERVAL, "stats-interval",
     "Period of kvssink-stats element messages, in ms; 0 = none",
     &Settings::stats_interval_ms, 0, 3600 * 1000},
};

const BoolProp kBoolProps[] = {
    {PROP_KEY_FRAME_FRAGMENTATION, "key-frame-fragmentation",
     "Start a fragment at every video key frame (else at the first key "
     "frame after fragment-duration)",
     &Settings::key_frame_fragmentation},
    {PROP_FRAME_TIMECODES, "frame-timecodes",
     "Use buffer timestamps (else stamp frames with the wall clock on "
     "arrival)",
     &Settings::frame_timecodes},
    {PROP_ABSOLUTE_FRAGMENT_TIMES, "absolute-fragment-times",
     "Send fragment timecodes as epoch ms (ABSOLUTE) rather than ms since "
     "the stream started (RELATIVE)",
     &Settings::absolute_fragment_times},
    {PROP_FRAGMENT_ACKS, "fragment-acks",
     "Ask KVS for fragment ACKs; without them fragments are freed once sent",
     &Settings::fragment_acks},
    {PROP_RESTART_ON_ERROR, "restart-on-error",
     "Reconnect and replay after recoverable errors (else they are fatal)",
     &Settings::restart_on_error},
    {PROP_RECALCULATE_METRICS, "recalculate-metrics",
     "Recompute the frame and transfer rates in stats (false leaves them "
     "0, for the smallest CPUs)",
     &Settings::recalculate_metrics},
    {PROP_DISABLE_BUFFER_CLIPPING, "disable-buffer-clipping",
     "Keep buffers outside the segment instead of dropping them",
     &Settings::disable_buffer_clipping},
    {PROP_USE_ORIGINAL_PTS, "use-original-pts",
     "Send the buffers' own PTS as producer time, without re-anchoring to "
     "the wall clock or file-start-time",
     &Settings::use_original_pts},
    {PROP_GET_KVS_METRICS, "get-kvs-metrics",
     "Post kvssink-stats element messages at every fragment",
     &Settings::get_kvs_metrics},
    {PROP_ALLOW_CREATE_STREAM, "allow-create-stream",
     "Create the stream when DescribeStream says it does not exist",
     &Settings::allow_create_stream},
    {PROP_SYNC, "sync",
     "Hold each buffer until its running time on the pipeline clock, so a "
     "file streams at its real pace (as GstBaseSink's sync)",
     &Settings::sync},
};

const StringProp kStringProps[] = {
    {PROP_STREAM_NAME, "stream-name",
     "Name of the Kinesis Video stream (1-256 of [a-zA-Z0-9_.-])",
     &Settings::stream_name, false},
    {PROP_CONTENT_TYPE, "content-type",
     "MediaType for CreateStream, e.g. video/h264 or video/h264,audio/aac; "
     "when not set, derived from the caps negotiated by then",
     &Settings::content_type, false},
    {PROP_CODEC_ID, "codec-id",
     "MKV CodecID of the video track (default follows the caps: "
     "V_MPEG4/ISO/AVC or V_MPEGH/ISO/HEVC)",
     &Settings::codec_id, false},
    {PROP_TRACK_NAME, "track-name", "MKV track name of the video track",
     &Settings::track_name, false},
    {PROP_ACCESS_KEY, "access-key", "AWS access key id", &Settings::access_key,
     false},
    {PROP_SECRET_KEY, "secret-key",
     "AWS secret access key (write-only, never logged)", &Settings::secret_key,
     true},
    {PROP_SESSION_TOKEN, "session-token",
     "AWS session token for temporary credentials (write-only, never "
     "logged)",
     &Settings::session_token, true},
    {PROP_AWS_REGION, "aws-region",
     "AWS region; unset = AWS_REGION, AWS_DEFAULT_REGION, the profile's "
     "region, else us-west-2",
     &Settings::aws_region, false},
    {PROP_LOG_CONFIG, "log-config",
     "Accepted for compatibility; kvssink logs through GST_DEBUG "
     "(category kvssink)",
     &Settings::log_config, false},
    {PROP_CREDENTIAL_PATH, "credential-path",
     "File with credentials: CREDENTIALS <akid> [<iso-expiry>] <secret> "
     "[<token>], re-read before expiry",
     &Settings::credential_path, false},
    {PROP_USER_AGENT, "user-agent",
     "First token of the User-Agent header; empty = kvssink/<version>",
     &Settings::user_agent, false},
    {PROP_ENDPOINT_URI, "endpoint-uri",
     "Control-plane endpoint URL, e.g. http://127.0.0.1:4567; unset = "
     "AWS_ENDPOINT_URL_KINESIS_VIDEO, AWS_ENDPOINT_URL, CONTROL_PLANE_URI, "
     "else the region's endpoint",
     &Settings::endpoint_uri, false},
    {PROP_CA_PATH, "ca-path",
     "Trust store for TLS: a PEM bundle or a hashed CA directory; unset = "
     "KVSSINK_CA_CERT_PATH, AWS_CA_BUNDLE, else the system store",
     &Settings::ca_path, false},
    {PROP_PROXY, "proxy",
     "HTTP(S) proxy URL; unset = HTTPS_PROXY/NO_PROXY from the environment",
     &Settings::proxy, false},
    {PROP_PROFILE, "profile",
     "AWS shared config/credentials profile name; unset = AWS_PROFILE",
     &Settings::profile, false},
    {PROP_KMS_KEY_ID, "kms-key-id",
     "KMS key for CreateStream; empty = the service's default key",
     &Settings::kms_key_id, false},
};

template <typename T, size_t N>
const T* FindProp(const T (&props)[N], guint id) {
  for (const T& p : props) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

}  // namespace

GType StreamingTypeGetType() {
  static GType type = 0;
  static const GEnumValue values[] = {
      {kRealtime, "realtime", "realtime"},
      {kNearRealtime, "near-realtime", "near-realtime"},
      {kOffline, "offline", "offline"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    g_once_init_leave(
        &type, g_enum_register_static("GstKvsSinkStreamingType", values));
  }
  return type;
}

GType FrameTimestampGetType() {
  static GType type = 0;
  static const GEnumValue values[] = {
      {kPtsOnly, "pts-only: DTS is set to PTS", "pts-only"},
      {kDtsOnly, "dts-only: PTS is set to DTS", "dts-only"},
      {kDefaultTimestamp, "default-timestamp: both, each filling the other",
       "default-timestamp"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    g_once_init_leave(
        &type, g_enum_register_static("GstKvsSinkFrameTimestampType", values));
  }
  return type;
}

void InstallSettingsProperties(GObjectClass* klass) {
  const Settings defaults;
  for (const UintProp& p : kUintProps) {
    g_object_class_install_property(
        klass, p.id,
        g_param_spec_uint(p.name, p.name, p.blurb, p.min, p.max,
                          defaults.*p.member, kReadWrite));
  }
  for (const BoolProp& p : kBoolProps) {
    g_object_class_install_property(
        klass, p.id,
        g_param_spec_boolean(p.name, p.name, p.blurb, defaults.*p.member,
                             kReadWrite));
  }
  for (const StringProp& p : kStringProps) {
    const std::string& value = defaults.*p.member;
    g_object_class_install_property(
        klass, p.id,
        g_param_spec_string(p.name, p.name, p.blurb,
                            value.empty() ? nullptr : value.c_str(),
                            p.secret ? kWriteOnly : kReadWrite));
  }
  g_object_class_install_property(
      klass, PROP_STREAMING_TYPE,
      g_param_spec_enum("streaming-type", "streaming-type",
                        "realtime: never blocks, drops the oldest whole "
                        "fragments when storage is full; offline: blocks "
                        "upstream instead and timestamps from file-start-time",
                        StreamingTypeGetType(), kRealtime, kReadWrite));
  g_object_class_install_property(
      klass, PROP_FRAME_TIMESTAMP,
      g_param_spec_enum("frame-timestamp", "frame-timestamp",
                        "Which buffer timestamps to use",
                        FrameTimestampGetType(), kDefaultTimestamp,
                        kReadWrite));
  g_object_class_install_property(
      klass, PROP_FILE_START_TIME,
      g_param_spec_uint64("file-start-time", "file-start-time",
                          "Offline mode: producer time of the file's zero "
                          "timestamp, in seconds since the Unix epoch "
                          "(default: when the element was created)",
                          0, G_MAXUINT64, 0, kReadWrite));
  g_object_class_install_property(
      klass, PROP_IOT_CERTIFICATE,
      g_param_spec_boxed("iot-certificate", "iot-certificate",
                         "IoT credentials: iot-certificate,endpoint=<host>,"
                         "cert-path=<pem>,key-path=<pem>,ca-path=<pem>,"
                         "role-aliases=<alias>[,iot-thing-name=<name>]",
                         GST_TYPE_STRUCTURE, kReadWrite));
  g_object_class_install_property(
      klass, PROP_STREAM_TAGS,
      g_param_spec_boxed("stream-tags", "stream-tags",
                         "Tags for TagStream, e.g. tags,team=video,env=prod",
                         GST_TYPE_STRUCTURE, kReadWrite));
}

bool SetSetting(Settings* s, guint id, const GValue* value) {
  if (const UintProp* p = FindProp(kUintProps, id)) {
    s->*p->member = g_value_get_uint(value);
  } else if (const BoolProp* p = FindProp(kBoolProps, id)) {
    s->*p->member = g_value_get_boolean(value);
  } else if (const StringProp* p = FindProp(kStringProps, id)) {
    const char* text = g_value_get_string(value);
    s->*p->member = text != nullptr ? text : "";

  } else if (id == PROP_STREAMING_TYPE) {
    s->streaming_type = static_cast<StreamingType>(g_value_get_enum(value));
  } else if (id == PROP_FRAME_TIMESTAMP) {
    s->frame_timestamp = static_cast<FrameTimestamp>(g_value_get_enum(value));
  } else if (id == PROP_FILE_START_TIME) {
    s->file_start_time_s = g_value_get_uint64(value);
  } else if (id == PROP_IOT_CERTIFICATE || id == PROP_STREAM_TAGS) {
    OwnedStructure& slot =
        id == PROP_IOT_CERTIFICATE ? s->iot_certificate : s->stream_tags;
    const GstStructure* given =
        static_cast<const GstStructure*>(g_value_get_boxed(value));
    slot.Reset(given != nullptr ? gst_structure_copy(given) : nullptr);
  } else {
    return false;
  }
  s->set_by_app.set(id);
  return true;
}

bool GetSetting(const Settings& s, guint id, GValue* value) {
  if (const UintProp* p = FindProp(kUintProps, id)) {
    g_value_set_uint(value, s.*p->member);
  } else if (const BoolProp* p = FindProp(kBoolProps, id)) {
    g_value_set_boolean(value, s.*p->member);
  } else if (const StringProp* p = FindProp(kStringProps, id)) {
    const std::string& text = s.*p->member;
    g_value_set_string(value,
                       p->secret || text.empty() ? nullptr : text.c_str());
  } else if (id == PROP_STREAMING_TYPE) {
    g_value_set_enum(value, s.streaming_type);
  } else if (id == PROP_FRAME_TIMESTAMP) {
    g_value_set_enum(value, s.frame_timestamp);
  } else if (id == PROP_FILE_START_TIME) {
    g_value_set_uint64(value, s.file_start_time_s);
  } else if (id == PROP_IOT_CERTIFICATE) {
    g_value_set_boxed(value, s.iot_certificate.get());
  } else if (id == PROP_STREAM_TAGS) {
    g_value_set_boxed(value, s.stream_tags.get());
  } else {
    return false;
  }
  return true;
}

}  // namespace kvssink
