// gst/kvssink_lifecycle.cc: starting and stopping the KVS stream, and the
// listener that turns kvscore's callbacks (network thread) into messages.
#include <string>

#include "gst/kvssink_caps.h"
#include "gst/kvssink_config.h"
#include "gst/kvssink_glue.h"
#include "gst/kvssink_private.h"
#include "gst/kvssink_stats.h"
#include "kvscore/auth/environment.h"

#define GST_CAT_DEFAULT gst_kvs_sink_debug

namespace kvssink {

ErrorContext ErrorContextOf(GstKvsSink* sink) {
  Private* priv = PrivateOf(sink);
  ErrorContext context;
  std::lock_guard<std::mutex> lock(priv->context_mutex);
  context.stream_name = priv->error_stream_name;
  context.explicit_credentials = priv->explicit_credentials;
  kvs::KvsStream* stream = priv->live_stream;
  if (stream != nullptr)
    context.credentials_source = stream->credentials_source();
  return context;
}

void SinkListener::OnStateChanged(kvs::UploadState state,
                                  const std::string& reason) {
  Post(gst_structure_new("kvssink-stream-state", "state", G_TYPE_STRING,
                         kvs::UploadStateName(state), "reason", G_TYPE_STRING,
                         reason.c_str(), "stream-name", G_TYPE_STRING,
                         stream_name_.c_str(), nullptr));
}

void SinkListener::OnAck(const kvs::FragmentAck& ack,
                         const kvs::FragmentInfo* info) {
  GST_LOG_OBJECT(sink_, "%s ACK, fragment timecode %" G_GINT64_FORMAT,
                 kvs::AckEventTypeName(ack.type), ack.fragment_timecode);
  Post(gst_structure_new("kvssink-fragment-ack", "type", G_TYPE_STRING,
                         kvs::AckEventTypeName(ack.type), "fragment-number",
                         G_TYPE_STRING, ack.fragment_number.c_str(), "timecode",
                         G_TYPE_INT64, ack.fragment_timecode, "error-id",
                         G_TYPE_INT, ack.error_id, "stream-name", G_TYPE_STRING,
                         stream_name_.c_str(), nullptr));
}

void SinkListener::OnFragmentSkipped(const kvs::FragmentInfo& info,
                                     const kvs::Status& status) {
  // A WARNING with the same details as a fatal error's (README, Messages),
  // plus the fragment's timecode (gint64, ms).
  GstStructure* details = gst_structure_new(
      "details", "stream-name", G_TYPE_STRING, stream_name_.c_str(),
      "fragment-timecode", G_TYPE_INT64, gint64{info.timecode}, nullptr);
  if (status.kvs_error_id() != 0) {
    gst_structure_set(details, "kvs-error-id", G_TYPE_INT,
                      status.kvs_error_id(), nullptr);
  }
  gchar* text = g_strdup_printf("Fragment at %" G_GINT64_FORMAT
                                " ms was rejected and dropped: %s",
                                info.timecode, status.ToString().c_str());
  GST_WARNING_OBJECT(sink_, "%s", text);
  GError* error =
      g_error_new_literal(GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, text);
  g_free(text);
  gst_element_post_message(GST_ELEMENT(sink_),
                           gst_message_new_warning_with_details(
                               GST_OBJECT(sink_), error, nullptr, details));
  g_error_free(error);
}

void SinkListener::OnRetry(const kvs::Status& status, int64_t delay_ms) {
  GST_WARNING_OBJECT(sink_, "retrying in %" G_GINT64_FORMAT " ms: %s", delay_ms,
                     status.ToString().c_str());
}

void SinkListener::OnFatalError(const kvs::Status& status) {
  // Post before latching, so ours is the pipeline's first error rather
  // than upstream's generic "streaming stopped, reason error".
  kvssink::PostStatusError(GST_ELEMENT(sink_), status,
                           "Streaming to Kinesis Video Streams failed",
                           ErrorContextOf(sink_));
  PrivateOf(sink_)->failed = true;
}

void SinkListener::OnDrained(const kvs::Status& status) {
  if (PrivateOf(sink_)->failed) {
    // A fatal error ended the drain and was posted as an ERROR; an EOS
    // after it would tell the application that everything was sent.
    GST_INFO_OBJECT(sink_, "drain ended by a fatal error; no EOS");
    return;
  }
  if (status.ok()) {
    GST_INFO_OBJECT(sink_, "every fragment acknowledged; posting EOS");
  } else if (status.code() == kvs::StatusCode::kTimeout) {
    GST_ELEMENT_WARNING(sink_, RESOURCE, WRITE,
                        ("End of stream: %s", status.message().c_str()),
                        (nullptr));
  }
  gst_element_post_message(GST_ELEMENT(sink_),
                           gst_message_new_eos(GST_OBJECT(sink_)));
}

void SinkListener::Post(GstStructure* s) {
  gst_element_post_message(GST_ELEMENT(sink_),
                           gst_message_new_element(GST_OBJECT(sink_), s));
}

namespace {

// --- Starting and stopping. -------------------------------------------

// Upstream's log-config names a log4cplus file; kvssink logs through
// GST_DEBUG, so it takes the file's root logger level for its category.
void ApplyLogConfig(GstKvsSink* sink, const std::string& path) {
  if (path.empty()) return;
  gchar* text = nullptr;
  if (!g_file_get_contents(path.c_str(), &text, nullptr, nullptr)) {
    GST_ELEMENT_WARNING(sink, RESOURCE, READ,
                        ("log-config file %s can't be read; logging "
                         "follows GST_DEBUG (category kvssink)",
                         path.c_str()),
                        (nullptr));
    return;
  }
  static const struct {
    const char* name;
    GstDebugLevel level;
  } kLevels[] = {{"TRACE", GST_LEVEL_TRACE}, {"DEBUG", GST_LEVEL_DEBUG},
                 {"INFO", GST_LEVEL_INFO},   {"WARN", GST_LEVEL_WARNING},
                 {"ERROR", GST_LEVEL_ERROR}, {"FATAL", GST_LEVEL_ERROR}};
  GRegex* regex =
      g_regex_new("^\\s*log4cplus\\.rootLogger\\s*=\\s*([A-Z]+)",
                  G_REGEX_MULTILINE, G_REGEX_MATCH_DEFAULT, nullptr);
  GMatchInfo* match = nullptr;
  if (g_regex_match(regex, text, G_REGEX_MATCH_DEFAULT, &match)) {
    gchar* level = g_match_info_fetch(match, 1);
    for (const auto& l : kLevels) {
      if (g_strcmp0(level, l.name) == 0) {
        gst_debug_category_set_threshold(gst_kvs_sink_debug, l.level);
      }
    }
    g_free(level);
  }
  g_match_info_free(match);
  g_regex_unref(regex);
  g_free(text);
}

// avg-bandwidth-bps is a sizing hint: when the application gives it, check
// that storage-size holds buffer-duration of media at that rate.
void WarnIfStorageTooSmall(GstKvsSink* sink, const Settings& s) {
  if (!s.IsSet(kvssink::PROP_AVG_BANDWIDTH_BPS)) return;
  guint64 needed = guint64{s.avg_bandwidth_bps} * s.buffer_duration_s;
  guint64 storage = guint64{s.storage_size_mb} * 1024 * 1024;
  if (storage >= needed) return;
  GST_ELEMENT_WARNING(
      sink, RESOURCE, NO_SPACE_LEFT,
      ("storage-size %u MiB holds less than buffer-duration (%u s) at "
       "avg-bandwidth-bps (%u bytes/s): %" G_GUINT64_FORMAT
       " MiB are needed; the oldest fragments will be dropped when the "
       "connection can't keep up",
       s.storage_size_mb, s.buffer_duration_s, s.avg_bandwidth_bps,
       (needed + (1 << 20) - 1) >> 20),
      (nullptr));
}

}  // namespace

bool StartStream(GstKvsSink* sink) {
  Private* priv = PrivateOf(sink);
  GST_OBJECT_LOCK(sink);
  Settings settings = priv->settings;
  GST_OBJECT_UNLOCK(sink);
  kvs::Result<kvssink::StartConfig> config = kvssink::BuildStartConfig(
      settings, kvs::ProcessEnvironment(), &priv->clock);
  if (!config.ok()) {
    ErrorContext context;
    context.stream_name = settings.stream_name;
    kvssink::PostStatusError(GST_ELEMENT(sink), config.status(),
                             "Invalid kvssink settings", context);
    return false;
  }
  GST_INFO_OBJECT(sink,
                  "stream %s, region %s (%s), endpoint %s (%s), trust store "
                  "%s, proxy %s",
                  settings.stream_name.c_str(), config->region.c_str(),
                  config->region_source.c_str(),
                  config->stream.upload.control_plane_url.c_str(),
                  config->endpoint_source.c_str(), config->ca_source.c_str(),
                  config->proxy_display.c_str());
  for (const std::string& warning : config->warnings) {
    GST_ELEMENT_WARNING(sink, LIBRARY, SETTINGS, ("%s", warning.c_str()),
                        (nullptr));
  }
  if (!settings.IsSet(kvssink::PROP_CONTENT_TYPE)) {
    config->stream.upload.media_type = [priv] {
      std::lock_guard<std::mutex> lock(priv->media_type_mutex);
      return priv->media_type;  // "" until caps: content-type's default.
    };
  }
  ApplyLogConfig(sink, settings.log_config);
  WarnIfStorageTooSmall(sink, settings);
  {
    std::lock_guard<std::mutex> lock(priv->context_mutex);
    priv->error_stream_name = settings.stream_name;
    priv->explicit_credentials =
        !settings.access_key.empty() || !settings.secret_key.empty() ||
        !settings.credential_path.empty() || !settings.profile.empty() ||
        settings.iot_certificate.get() != nullptr;
  }
  std::lock_guard<std::mutex> lock(priv->mutex);
  priv->active = settings;
  priv->fragments_seen = 0;
  priv->listener = std::make_unique<SinkListener>(sink, settings.stream_name);
  priv->stream = std::make_unique<kvs::KvsStream>(
      std::move(config->stream), config->credentials, priv->clock,
      priv->listener.get());
  priv->tracks_sent = false;
  priv->warned_repairs = priv->warned_drops = 0;
  priv->finishing = false;
  priv->anchor_ns = kvs::kNoTimestamp;
  priv->failed = false;
  priv->live_stream = priv->stream.get();
  priv->stream->Start();
  if (!priv->pads.empty() && !SendTracks(sink)) return false;
  if (settings.stats_interval_ms > 0) {
    kvs::KvsStream* stream = priv->stream.get();
    std::string name = settings.stream_name;
    priv->stream->SetStatsTick(
        settings.stats_interval_ms, [sink, stream, name] {
          GstStructure* s = kvssink::StatsToStructure(stream->GetStats(), name);
          gst_element_post_message(
              GST_ELEMENT(sink), gst_message_new_element(GST_OBJECT(sink), s));
        });
  }
  return true;
}

void StopStream(GstKvsSink* sink) {
  Private* priv = PrivateOf(sink);
  std::unique_ptr<kvs::KvsStream> stream;
  {
    std::lock_guard<std::mutex> lock(priv->mutex);
    stream = std::move(priv->stream);
    priv->live_stream = nullptr;
  }
  if (stream) stream->Stop();  // No callback runs after this returns.
  stream.reset();
  std::lock_guard<std::mutex> lock(priv->mutex);
  priv->listener.reset();
  for (GstPad* pad : priv->pads) {
    auto* data = static_cast<PadData*>(gst_pad_get_element_private(pad));
    data->eos = false;
  }
}

// --- Tracks. -----------------------------------------------------------

// Assigns track numbers (video first, as upstream) and installs the MKV
// tracks. Call with priv->mutex held.
}  // namespace kvssink
