// gst/gstkvssink.cc: the kvssink element (see gstkvssink.h).
//
// Threads: pad chain/event functions run on upstream streaming threads;
// kvscore's listener callbacks run on the network thread and only post
// messages. State changes never wait for the network: the stream is created
// and started in READY->PAUSED (its control-plane calls run in the
// background while frames are buffered) and aborted in PAUSED->READY.
#include "gst/gstkvssink.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gst/kvssink_caps.h"
#include "gst/kvssink_config.h"
#include "gst/kvssink_glue.h"
#include "gst/kvssink_settings.h"
#include "gst/kvssink_stats.h"
#include "kvscore/auth/clock_skew.h"
#include "kvscore/auth/environment.h"
#include "kvscore/base/clock.h"
#include "kvscore/stream/kvs_stream.h"

GST_DEBUG_CATEGORY(gst_kvs_sink_debug);
#define GST_CAT_DEFAULT gst_kvs_sink_debug

namespace {

using kvssink::Settings;

// Per request pad; lives from request_new_pad to release_pad.
struct PadData {
  bool video = false;
  bool has_caps = false;
  bool eos = false;
  kvs::TrackConfig config;
  uint32_t track = 0;  // MKV track number once tracks are configured.
  GstSegment segment;
};

class SinkListener;

struct Private {
  Settings settings;  // Guarded by the object lock.
  // Signs requests; corrected when the service reports clock skew. Lives as
  // long as the element, so restarts keep the correction.
  kvs::SkewCorrectedClock clock{kvs::SystemClock()};

  std::mutex mutex;  // Guards everything below.
  Settings active;   // Snapshot taken at start.
  std::unique_ptr<SinkListener> listener;
  std::unique_ptr<kvs::KvsStream> stream;
  // The same stream, readable without `mutex` (to cancel an offline wait
  // from a flush or state change while a chain function waits). Set and
  // cleared only while no chain function runs.
  std::atomic<kvs::KvsStream*> live_stream{nullptr};
  std::vector<GstPad*> pads;  // Request pads, in request order.
  guint next_video = 0;
  guint next_audio = 0;
  bool tracks_configured = false;
  bool finishing = false;
  int64_t anchor_ns = kvs::kNoTimestamp;  // Producer time of running time 0.
  std::atomic<bool> failed{false};
};

Private* PrivateOf(GstKvsSink* sink);

}  // namespace

struct _GstKvsSink {
  GstElement parent;
  Private* priv;
};

G_DEFINE_TYPE(GstKvsSink, gst_kvs_sink, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE(kvssink, "kvssink", GST_RANK_PRIMARY + 10,
                            GST_TYPE_KVS_SINK);

namespace {

Private* PrivateOf(GstKvsSink* sink) { return sink->priv; }

GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE(
    "video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS("video/x-h264, stream-format = (string) { avc, avc3 }, "
                    "alignment = (string) au; "
                    "video/x-h265, stream-format = (string) { hvc1, hev1 }, "
                    "alignment = (string) au"));

GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE(
    "audio_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS("audio/mpeg, mpegversion = (int) { 2, 4 }, "
                    "stream-format = (string) raw, rate = (int) [ 1, MAX ], "
                    "channels = (int) [ 1, 8 ]; "
                    "audio/x-alaw, rate = (int) [ 8000, 192000 ], "
                    "channels = (int) [ 1, 2 ]; "
                    "audio/x-mulaw, rate = (int) [ 8000, 192000 ], "
                    "channels = (int) [ 1, 2 ]"));

// Turns kvscore's callbacks (network thread) into bus messages.
class SinkListener : public kvs::KvsStream::Listener {
 public:
  SinkListener(GstKvsSink* sink, std::string stream_name)
      : sink_(sink), stream_name_(std::move(stream_name)) {}

  void OnStateChanged(kvs::UploadState state,
                      const std::string& reason) override {
    Post(gst_structure_new("kvssink-stream-state", "state", G_TYPE_STRING,
                           kvs::UploadStateName(state), "reason", G_TYPE_STRING,
                           reason.c_str(), "stream-name", G_TYPE_STRING,
                           stream_name_.c_str(), nullptr));
  }

  void OnAck(const kvs::FragmentAck& ack,
             const kvs::FragmentInfo* info) override {
    GST_LOG_OBJECT(sink_, "%s ACK, fragment timecode %" G_GINT64_FORMAT,
                   kvs::AckEventTypeName(ack.type), ack.fragment_timecode);
    Post(gst_structure_new("kvssink-fragment-ack", "type", G_TYPE_STRING,
                           kvs::AckEventTypeName(ack.type), "fragment-number",
                           G_TYPE_STRING, ack.fragment_number.c_str(),
                           "timecode", G_TYPE_INT64, ack.fragment_timecode,
                           "error-id", G_TYPE_INT, ack.error_id, "stream-name",
                           G_TYPE_STRING, stream_name_.c_str(), nullptr));
  }

  void OnFragmentSkipped(const kvs::FragmentInfo& info,
                         const kvs::Status& status) override {
    GST_ELEMENT_WARNING(
        sink_, STREAM, FAILED,
        ("Fragment at %" G_GINT64_FORMAT " ms was rejected and dropped: %s",
         info.timecode, status.ToString().c_str()),
        (nullptr));
  }

  void OnRetry(const kvs::Status& status, int64_t delay_ms) override {
    GST_WARNING_OBJECT(sink_, "retrying in %" G_GINT64_FORMAT " ms: %s",
                       delay_ms, status.ToString().c_str());
  }

  void OnFatalError(const kvs::Status& status) override {
    // Post before latching, so ours is the pipeline's first error rather
    // than upstream's generic "streaming stopped, reason error".
    kvssink::PostStatusError(GST_ELEMENT(sink_), status,
                             "Streaming to Kinesis Video Streams failed",
                             stream_name_);
    PrivateOf(sink_)->failed = true;
  }

  void OnDrained(const kvs::Status& status) override {
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

 private:
  void Post(GstStructure* s) {
    gst_element_post_message(GST_ELEMENT(sink_),
                             gst_message_new_element(GST_OBJECT(sink_), s));
  }

  GstKvsSink* sink_;
  std::string stream_name_;
};

// --- Starting and stopping. -------------------------------------------

bool StartStream(GstKvsSink* sink) {
  Private* priv = PrivateOf(sink);
  GST_OBJECT_LOCK(sink);
  Settings settings = priv->settings;
  GST_OBJECT_UNLOCK(sink);
  kvs::Result<kvssink::StartConfig> config = kvssink::BuildStartConfig(
      settings, kvs::ProcessEnvironment(), &priv->clock);
  if (!config.ok()) {
    kvssink::PostStatusError(GST_ELEMENT(sink), config.status(),
                             "Invalid kvssink settings", settings.stream_name);
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
  std::lock_guard<std::mutex> lock(priv->mutex);
  priv->active = settings;
  priv->listener = std::make_unique<SinkListener>(sink, settings.stream_name);
  priv->stream = std::make_unique<kvs::KvsStream>(
      std::move(config->stream), config->credentials, priv->clock,
      priv->listener.get());
  priv->tracks_configured = false;
  priv->finishing = false;
  priv->anchor_ns = kvs::kNoTimestamp;
  priv->failed = false;
  priv->live_stream = priv->stream.get();
  priv->stream->Start();
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
bool ConfigureTracks(GstKvsSink* sink) {
  Private* priv = PrivateOf(sink);
  std::vector<kvs::TrackConfig> configs;
  std::vector<PadData*> order;
  for (bool video : {true, false}) {
    for (GstPad* pad : priv->pads) {
      auto* data = static_cast<PadData*>(gst_pad_get_element_private(pad));
      if (data->video == video && data->has_caps) order.push_back(data);
    }
  }
  for (PadData* data : order) {
    kvs::TrackConfig config = data->config;
    config.number = static_cast<uint32_t>(configs.size() + 1);
    if (data->video) {
      bool h264 = config.codec == kvs::TrackCodec::kH264;
      const std::string& codec_id = priv->active.codec_id;
      if (h264 || codec_id != Settings().codec_id) config.codec_id = codec_id;
      config.name = priv->active.track_name;
    }
    data->track = config.number;
    configs.push_back(config);
  }
  auto described = priv->stream->SetTracks(configs);
  if (!described.ok()) {
    kvssink::PostStatusError(GST_ELEMENT(sink), described.status(),
                             "Cannot package the negotiated format",
                             priv->active.stream_name);
    return false;
  }
  for (const kvs::TrackDescription& d : *described) {
    GST_INFO_OBJECT(sink, "track %" G_GUINT64_FORMAT ": %s", d.entry.number,
                    d.summary.c_str());
    for (const std::string& warning : d.warnings) {
      GST_ELEMENT_WARNING(sink, STREAM, FORMAT, ("%s", warning.c_str()),
                          (nullptr));
    }
  }
  priv->tracks_configured = true;
  return true;
}

// --- Timestamps. ---------------------------------------------------------

// Producer time (ns) for a buffer timestamp: the running time anchored to
// the wall clock (realtime), to file-start-time (offline), or the buffer's
// own timestamp (use-original-pts). Call with priv->mutex held.
int64_t ProducerTime(GstKvsSink* sink, PadData* data, GstClockTime ts) {
  Private* priv = PrivateOf(sink);
  if (!GST_CLOCK_TIME_IS_VALID(ts)) return kvs::kNoTimestamp;
  if (priv->active.use_original_pts) return static_cast<int64_t>(ts);
  guint64 running = 0;
  int sign = gst_segment_to_running_time_full(&data->segment, GST_FORMAT_TIME,
                                              ts, &running);
  if (sign == 0) return kvs::kNoTimestamp;
  int64_t run =
      sign > 0 ? static_cast<int64_t>(running) : -static_cast<int64_t>(running);
  if (priv->anchor_ns == kvs::kNoTimestamp) {
    if (priv->active.streaming_type == kvssink::kOffline) {
      priv->anchor_ns = static_cast<int64_t>(priv->active.file_start_time_s) *
                        kvs::kNsPerSecond;
    } else {
      int64_t now = kvs::SystemClock().RealtimeNs();
      GstClock* clock = gst_element_get_clock(GST_ELEMENT(sink));
      if (clock != nullptr) {
        GstClockTime base = gst_element_get_base_time(GST_ELEMENT(sink));
        priv->anchor_ns =
            now - static_cast<int64_t>(gst_clock_get_time(clock) - base);
        gst_object_unref(clock);
      } else {
        priv->anchor_ns = now - run;
      }
    }
  }
  return priv->anchor_ns + run;
}

void FillTimestamps(GstKvsSink* sink, PadData* data, GstBuffer* buffer,
                    kvs::Frame* frame) {
  Private* priv = PrivateOf(sink);
  frame->pts = ProducerTime(sink, data, GST_BUFFER_PTS(buffer));
  frame->dts = ProducerTime(sink, data, GST_BUFFER_DTS(buffer));
  if (priv->active.frame_timestamp == kvssink::kPtsOnly) {
    frame->dts = frame->pts;
  } else if (priv->active.frame_timestamp == kvssink::kDtsOnly) {
    frame->pts = frame->dts;
  }
  if (frame->pts == kvs::kNoTimestamp) frame->pts = frame->dts;
  if (frame->dts == kvs::kNoTimestamp) frame->dts = frame->pts;
  if (!priv->active.frame_timecodes) {
    frame->pts = frame->dts = kvs::SystemClock().RealtimeNs();
  }
  if (GST_BUFFER_DURATION_IS_VALID(buffer)) {
    frame->duration = static_cast<int64_t>(GST_BUFFER_DURATION(buffer));
  }
}

// --- Pads. -------------------------------------------------------------

GstFlowReturn Chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  GstKvsSink* sink = GST_KVS_SINK(parent);
  Private* priv = PrivateOf(sink);
  auto* data = static_cast<PadData*>(gst_pad_get_element_private(pad));
  if (priv->failed) {
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  std::unique_lock<std::mutex> lock(priv->mutex);
  if (!priv->stream || !data->has_caps) {
    lock.unlock();
    gst_buffer_unref(buffer);
    GST_ELEMENT_ERROR(sink, CORE, NEGOTIATION,
                      ("Buffer on %s before caps", GST_PAD_NAME(pad)),
                      (nullptr));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (!priv->tracks_configured && !ConfigureTracks(sink)) {
    gst_buffer_unref(buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  kvs::Frame frame;
  frame.track = data->track;
  bool delta = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  frame.flags = (!data->video || !delta) ? uint32_t{kvs::kFrameFlagKey} : 0u;
  if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DROPPABLE)) {
    frame.flags |= kvs::kFrameFlagDiscardable;
  }
  FillTimestamps(sink, data, buffer, &frame);
  bool copied = false;
  frame.data = kvssink::BytesFromBuffer(buffer, &copied);
  gst_buffer_unref(buffer);
  if (!frame.data) {
    lock.unlock();
    GST_ELEMENT_ERROR(sink, RESOURCE, READ, ("Cannot map buffer"), (nullptr));
    return GST_FLOW_ERROR;
  }
  GST_LOG_OBJECT(sink,
                 "%s: track %u pts %" G_GINT64_FORMAT " dts %" G_GINT64_FORMAT
                 " flags 0x%x, %zu bytes%s",
                 GST_PAD_NAME(pad), frame.track, frame.pts, frame.dts,
                 frame.flags, frame.data->size(), copied ? " (copied)" : "");
  // The stream outlives this call: it is destroyed only after the pads are
  // deactivated. Put without the lock, so an offline wait for room does not
  // block other pads' events or a flush.
  kvs::KvsStream* stream = priv->stream.get();
  lock.unlock();
  kvs::Status status = stream->PutFrame(frame);
  if (status.code() == kvs::StatusCode::kCancelled) return GST_FLOW_FLUSHING;
  if (!status.ok()) {
    GST_WARNING_OBJECT(sink, "frame on %s not sent: %s", GST_PAD_NAME(pad),
                       status.ToString().c_str());
  }
  return priv->failed ? GST_FLOW_ERROR : GST_FLOW_OK;
}

bool AllPadsAtEos(Private* priv) {
  for (GstPad* pad : priv->pads) {
    auto* data = static_cast<PadData*>(gst_pad_get_element_private(pad));
    if (!data->eos) return false;
  }
  return true;
}

void HandleEos(GstKvsSink* sink, PadData* data) {
  Private* priv = PrivateOf(sink);
  std::unique_lock<std::mutex> lock(priv->mutex);
  data->eos = true;
  if (!AllPadsAtEos(priv) || priv->finishing) return;
  priv->finishing = true;
  if (!priv->stream || priv->failed) {
    lock.unlock();
    gst_element_post_message(GST_ELEMENT(sink),
                             gst_message_new_eos(GST_OBJECT(sink)));
    return;
  }
  GST_INFO_OBJECT(sink, "end of stream: draining");
  priv->stream->Finish();  // The listener posts EOS when drained.
}

gboolean HandleCaps(GstKvsSink* sink, GstPad* pad, PadData* data,
                    GstCaps* caps) {
  kvs::Result<kvs::TrackConfig> config = kvssink::TrackConfigFromCaps(caps);
  if (!config.ok()) {
    GST_ELEMENT_ERROR(sink, STREAM, FORMAT,
                      ("%s", config.status().message().c_str()), (nullptr));
    return FALSE;
  }
  Private* priv = PrivateOf(sink);
  std::lock_guard<std::mutex> lock(priv->mutex);
  data->config = std::move(config).value();
  data->has_caps = true;
  if (priv->tracks_configured && priv->stream) {
    GST_INFO_OBJECT(sink, "caps changed on %s: new MKV header",
                    GST_PAD_NAME(pad));
    return ConfigureTracks(sink) ? TRUE : FALSE;
  }
  return TRUE;
}

gboolean SinkEvent(GstPad* pad, GstObject* parent, GstEvent* event) {
  GstKvsSink* sink = GST_KVS_SINK(parent);
  auto* data = static_cast<PadData*>(gst_pad_get_element_private(pad));
  gboolean result = TRUE;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps* caps;
      gst_event_parse_caps(event, &caps);
      result = HandleCaps(sink, pad, data, caps);
      break;
    }
    case GST_EVENT_SEGMENT: {
      const GstSegment* segment;
      gst_event_parse_segment(event, &segment);
      std::lock_guard<std::mutex> lock(PrivateOf(sink)->mutex);
      gst_segment_copy_into(segment, &data->segment);
      break;
    }
    case GST_EVENT_EOS:
      HandleEos(sink, data);
      break;
    case GST_EVENT_FLUSH_START: {
      // Wake a chain function waiting for storage (offline mode).
      kvs::KvsStream* stream = PrivateOf(sink)->live_stream;
      if (stream != nullptr) stream->Unblock();
      break;
    }
    case GST_EVENT_FLUSH_STOP: {
      std::lock_guard<std::mutex> lock(PrivateOf(sink)->mutex);
      data->eos = false;
      gst_segment_init(&data->segment, GST_FORMAT_TIME);
      if (PrivateOf(sink)->stream) PrivateOf(sink)->stream->Resume();
      break;
    }
    default:
      break;
  }
  gst_event_unref(event);
  return result;
}

}  // namespace

// --- GObject / GstElement. ----------------------------------------------

static GstPad* gst_kvs_sink_request_new_pad(GstElement* element,
                                            GstPadTemplate* templ,
                                            const gchar* name,
                                            const GstCaps* caps) {
  GstKvsSink* sink = GST_KVS_SINK(element);
  Private* priv = PrivateOf(sink);
  bool video = g_str_has_prefix(GST_PAD_TEMPLATE_NAME_TEMPLATE(templ), "video");
  gchar* pad_name;
  {
    std::lock_guard<std::mutex> lock(priv->mutex);
    if (priv->tracks_configured) {
      GST_ELEMENT_WARNING(sink, CORE, PAD,
                          ("Pads can't be added once streaming started"),
                          (nullptr));
      return nullptr;
    }
    guint& next = video ? priv->next_video : priv->next_audio;
    pad_name = g_strdup_printf(video ? "video_%u" : "audio_%u", next++);
  }
  GstPad* pad = gst_pad_new_from_template(templ, pad_name);
  g_free(pad_name);
  auto* data = new PadData();
  data->video = video;
  gst_segment_init(&data->segment, GST_FORMAT_TIME);
  gst_pad_set_element_private(pad, data);
  gst_pad_set_chain_function(pad, GST_DEBUG_FUNCPTR(Chain));
  gst_pad_set_event_function(pad, GST_DEBUG_FUNCPTR(SinkEvent));
  GST_PAD_SET_PROXY_ALLOCATION(pad);
  {
    std::lock_guard<std::mutex> lock(priv->mutex);
    priv->pads.push_back(pad);
  }
  gst_pad_set_active(pad, TRUE);
  gst_element_add_pad(element, pad);
  return pad;
}

static void gst_kvs_sink_release_pad(GstElement* element, GstPad* pad) {
  Private* priv = PrivateOf(GST_KVS_SINK(element));
  {
    std::lock_guard<std::mutex> lock(priv->mutex);
    auto& pads = priv->pads;
    pads.erase(std::remove(pads.begin(), pads.end(), pad), pads.end());
  }
  delete static_cast<PadData*>(gst_pad_get_element_private(pad));
  gst_pad_set_element_private(pad, nullptr);
  gst_element_remove_pad(element, pad);
}

static GstStateChangeReturn gst_kvs_sink_change_state(
    GstElement* element, GstStateChange transition) {
  GstKvsSink* sink = GST_KVS_SINK(element);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) kvssink::InstallLogSink();
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !StartStream(sink)) {
    return GST_STATE_CHANGE_FAILURE;
  }
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    // Pad deactivation below waits for chain functions: wake any that wait
    // for storage first.
    kvs::KvsStream* stream = PrivateOf(sink)->live_stream;
    if (stream != nullptr) stream->Unblock();
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(gst_kvs_sink_parent_class)
                                 ->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) StopStream(sink);
    return ret;
  }
  // Pads are deactivated now: no chain function is running.
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) StopStream(sink);
  return ret;
}

static void gst_kvs_sink_set_property(GObject* object, guint id,
                                      const GValue* value, GParamSpec* pspec) {
  GstKvsSink* sink = GST_KVS_SINK(object);
  GST_OBJECT_LOCK(sink);
  bool known = kvssink::SetSetting(&PrivateOf(sink)->settings, id, value);
  GST_OBJECT_UNLOCK(sink);
  if (!known) G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static GstStructure* CurrentStats(GstKvsSink* sink) {
  Private* priv = PrivateOf(sink);
  std::lock_guard<std::mutex> lock(priv->mutex);
  kvs::StreamStats stats;  // All zero before the element starts.
  if (priv->stream) stats = priv->stream->GetStats();
  return kvssink::StatsToStructure(stats, priv->active.stream_name);
}

static void gst_kvs_sink_get_property(GObject* object, guint id, GValue* value,
                                      GParamSpec* pspec) {
  GstKvsSink* sink = GST_KVS_SINK(object);
  if (id == kvssink::PROP_STATS) {
    g_value_take_boxed(value, CurrentStats(sink));
    return;
  }
  GST_OBJECT_LOCK(sink);
  bool known = kvssink::GetSetting(PrivateOf(sink)->settings, id, value);
  GST_OBJECT_UNLOCK(sink);
  if (!known) G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void gst_kvs_sink_finalize(GObject* object) {
  GstKvsSink* sink = GST_KVS_SINK(object);
  StopStream(sink);
  delete sink->priv;
  sink->priv = nullptr;
  G_OBJECT_CLASS(gst_kvs_sink_parent_class)->finalize(object);
}

static void gst_kvs_sink_init(GstKvsSink* sink) {
  sink->priv = new Private();
  sink->priv->settings.file_start_time_s =
      static_cast<guint64>(g_get_real_time() / G_USEC_PER_SEC);
  GST_OBJECT_FLAG_SET(sink, GST_ELEMENT_FLAG_SINK);
}

static void gst_kvs_sink_class_init(GstKvsSinkClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(gst_kvs_sink_debug, "kvssink", 0,
                          "Amazon Kinesis Video Streams sink");
  gobject_class->set_property = gst_kvs_sink_set_property;
  gobject_class->get_property = gst_kvs_sink_get_property;
  gobject_class->finalize = gst_kvs_sink_finalize;
  kvssink::InstallSettingsProperties(gobject_class);
  g_object_class_install_property(
      gobject_class, kvssink::PROP_STATS,
      g_param_spec_boxed(
          "stats", "stats",
          "Stream metrics as a kvssink-stats structure: storage, view "
          "durations (ms) and sizes (bytes), rates, ACK counts, drops, "
          "reconnects, last error and latencies (ns); see README",
          GST_TYPE_STRUCTURE,
          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  gst_type_mark_as_plugin_api(kvssink::StreamingTypeGetType(),
                              static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(kvssink::FrameTimestampGetType(),
                              static_cast<GstPluginAPIFlags>(0));

  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR(gst_kvs_sink_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR(gst_kvs_sink_release_pad);
  element_class->change_state = GST_DEBUG_FUNCPTR(gst_kvs_sink_change_state);
  gst_element_class_add_static_pad_template(element_class, &video_template);
  gst_element_class_add_static_pad_template(element_class, &audio_template);
  gst_element_class_set_static_metadata(
      element_class, "Kinesis Video Streams sink", "Sink/Video/Network",
      "Packages H.264/H.265 video and AAC/G.711 audio as MKV fragments and "
      "uploads them to Amazon Kinesis Video Streams with PutMedia",
      "kvssink developers");
}
