// gst/kvssink_settings.h: kvssink's property values and their GObject
// properties.
//
// Every property upstream kvssink has keeps its name, type, unit and
// default (upstream-kvssink.md A.2; the seed guide's "GStreamer Element
// Parameter Reference"), plus kvssink's own (endpoint-uri, ca-path, proxy,
// profile, kms-key-id, stats-interval). Properties are described by one
// table (kvssink_settings.cc) of typed pointers to Settings members, which
// installs the GParamSpecs and implements get/set.
//
// Settings are guarded by the element's object lock. Streaming code never
// reads them: the element snapshots them when it starts (STYLE.md item 6).
//
// Secrets (secret-key, session-token) are write-only: their getters return
// NULL, and they are never logged.
#ifndef GST_KVSSINK_SETTINGS_H_
#define GST_KVSSINK_SETTINGS_H_

#include <gst/gst.h>

#include <bitset>
#include <string>

namespace kvssink {

// GstKvsSinkStreamingType (upstream numbering).
enum StreamingType { kRealtime = 0, kNearRealtime = 1, kOffline = 2 };
// GstKvsSinkFrameTimestampType (upstream numbering).
enum FrameTimestamp { kPtsOnly = 0, kDtsOnly = 1, kDefaultTimestamp = 2 };

GType StreamingTypeGetType();
GType FrameTimestampGetType();

// A GstStructure owned by value: copies deep-copy, destruction frees.
class OwnedStructure {
 public:
  OwnedStructure() = default;
  OwnedStructure(const OwnedStructure& other) { *this = other; }
  OwnedStructure& operator=(const OwnedStructure& other) {
    if (this != &other)
      Reset(other.s_ ? gst_structure_copy(other.s_) : nullptr);
    return *this;
  }
  ~OwnedStructure() { Reset(nullptr); }
  // Takes ownership of `s` (may be null).
  void Reset(GstStructure* s) {
    if (s_ != nullptr) gst_structure_free(s_);
    s_ = s;
  }
  GstStructure* get() const { return s_; }

 private:
  GstStructure* s_ = nullptr;
};

struct Settings {
  std::string stream_name = "DEFAULT_STREAM";
  guint retention_period_hours = 2;
  StreamingType streaming_type = kRealtime;
  std::string content_type = "video/h264";
  guint max_latency_s = 60;
  guint fragment_duration_ms = 2000;
  guint timecode_scale_ms = 1;
  gboolean key_frame_fragmentation = TRUE;
  gboolean frame_timecodes = TRUE;
  gboolean absolute_fragment_times = TRUE;
  gboolean fragment_acks = TRUE;
  gboolean restart_on_error = TRUE;
  gboolean recalculate_metrics = TRUE;
  guint framerate = 25;
  guint avg_bandwidth_bps = 4 * 1024 * 1024;
  guint buffer_duration_s = 120;
  guint replay_duration_s = 40;
  guint connection_staleness_s = 60;
  std::string codec_id = "V_MPEG4/ISO/AVC";
  std::string track_name = "kinesis_video";
  std::string access_key;
  std::string secret_key;     // Secret: write-only.
  std::string session_token;  // Secret: write-only.
  std::string aws_region;     // Empty: environment, profile, us-west-2.
  guint rotation_period_s = 3600;
  std::string log_config;
  guint storage_size_mb = 128;
  std::string credential_path;
  OwnedStructure iot_certificate;
  OwnedStructure stream_tags;
  guint64 file_start_time_s = 0;  // Set to "now" at init.
  gboolean disable_buffer_clipping = FALSE;
  gboolean use_original_pts = FALSE;
  gboolean get_kvs_metrics = FALSE;
  gboolean allow_create_stream = TRUE;
  FrameTimestamp frame_timestamp = kDefaultTimestamp;
  std::string user_agent;
  guint connection_timeout_s = 5;
  guint completion_timeout_s = 10;
  guint stop_stream_timeout_s = 120;
  // kvssink's own.
  std::string endpoint_uri;
  std::string ca_path;
  std::string proxy;
  std::string profile;
  std::string kms_key_id;
  guint stats_interval_ms = 0;
  guint silent_pad_timeout_ms = 1000;
  gboolean sync = FALSE;
  // Which properties the application set (indexed by PropertyId): e.g.
  // content-type follows the caps unless set.
  std::bitset<64> set_by_app;
  bool IsSet(guint id) const {
    return id < set_by_app.size() && set_by_app[id];
  }
};

// Property ids; PROP_0 is reserved by GObject.
enum PropertyId : guint {
  PROP_0,
  PROP_STREAM_NAME,
  PROP_RETENTION_PERIOD,
  PROP_STREAMING_TYPE,
  PROP_CONTENT_TYPE,
  PROP_MAX_LATENCY,
  PROP_FRAGMENT_DURATION,
  PROP_TIMECODE_SCALE,
  PROP_KEY_FRAME_FRAGMENTATION,
  PROP_FRAME_TIMECODES,
  PROP_ABSOLUTE_FRAGMENT_TIMES,
  PROP_FRAGMENT_ACKS,
  PROP_RESTART_ON_ERROR,
  PROP_RECALCULATE_METRICS,
  PROP_FRAMERATE,
  PROP_AVG_BANDWIDTH_BPS,
  PROP_BUFFER_DURATION,
  PROP_REPLAY_DURATION,
  PROP_CONNECTION_STALENESS,
  PROP_CODEC_ID,
  PROP_TRACK_NAME,
  PROP_ACCESS_KEY,
  PROP_SECRET_KEY,
  PROP_SESSION_TOKEN,
  PROP_AWS_REGION,
  PROP_ROTATION_PERIOD,
  PROP_LOG_CONFIG,
  PROP_STORAGE_SIZE,
  PROP_CREDENTIAL_PATH,
  PROP_IOT_CERTIFICATE,
  PROP_STREAM_TAGS,
  PROP_FILE_START_TIME,
  PROP_DISABLE_BUFFER_CLIPPING,
  PROP_USE_ORIGINAL_PTS,
  PROP_GET_KVS_METRICS,
  PROP_ALLOW_CREATE_STREAM,
  PROP_FRAME_TIMESTAMP,
  PROP_USER_AGENT,
  PROP_CONNECTION_TIMEOUT,
  PROP_COMPLETION_TIMEOUT,
  PROP_STOP_STREAM_TIMEOUT,
  PROP_ENDPOINT_URI,
  PROP_CA_PATH,
  PROP_PROXY,
  PROP_PROFILE,
  PROP_KMS_KEY_ID,
  PROP_STATS_INTERVAL,
  PROP_SYNC,
  PROP_SILENT_PAD_TIMEOUT,
  PROP_STATS,  // Read-only; served by the element, not the table.
  PROP_LAST
};
static_assert(PROP_LAST <= 64, "Settings::set_by_app is too small");

// Installs every table property on `klass`.
void InstallSettingsProperties(GObjectClass* klass);

// Table-driven get/set. Return false for ids not in the table (e.g.
// PROP_STATS). Call with the object lock held.
bool SetSetting(Settings* settings, guint id, const GValue* value);
bool GetSetting(const Settings& settings, guint id, GValue* value);

}  // namespace kvssink

#endif  // GST_KVSSINK_SETTINGS_H_
