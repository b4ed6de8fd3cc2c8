// gst/gstkvssink.cc: the kvssink element's GObject side: class and
// instance setup, properties, request pads and state changes. The data path
// is in kvssink_pads.cc, starting and stopping in kvssink_lifecycle.cc.
//
// Threads: pad chain/event functions run on upstream streaming threads;
// kvscore's listener callbacks run on the network thread and only post
// messages. State changes never wait for the network: the stream is created
// and started in READY->PAUSED (its control-plane calls run in the
// background while frames are buffered) and aborted in PAUSED->READY.
#include "gst/gstkvssink.h"

#include <algorithm>

#include "gst/kvssink_caps.h"
#include "gst/kvssink_glue.h"
#include "gst/kvssink_private.h"
#include "gst/kvssink_stats.h"

GST_DEBUG_CATEGORY(gst_kvs_sink_debug);
#define GST_CAT_DEFAULT gst_kvs_sink_debug

using kvssink::PadData;
using kvssink::Private;
using kvssink::PrivateOf;
using kvssink::Settings;

struct _GstKvsSink {
  GstElement parent;
  Private* priv;
};

G_DEFINE_TYPE(GstKvsSink, gst_kvs_sink, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE(kvssink, "kvssink", GST_RANK_PRIMARY + 10,
                            GST_TYPE_KVS_SINK);

namespace kvssink {
Private* PrivateOf(GstKvsSink* sink) { return sink->priv; }
}  // namespace kvssink

namespace {

const char kExamples[] =
    "\n"
    "  gst-launch-1.0 -e v4l2src do-timestamp=TRUE ! videoconvert ! \\\n"
    "    x264enc bframes=0 key-int-max=45 bitrate=500 tune=zerolatency ! \\\n"
    "    video/x-h264,stream-format=avc,alignment=au ! \\\n"
    "    kvssink stream-name=cam aws-region=us-west-2\n"
    "  gst-launch-1.0 -e rtspsrc location=rtsp://camera/stream ! \\\n"
    "    rtph264depay ! h264parse ! kvssink stream-name=cam\n"
    "  gst-launch-1.0 -e kvssink name=s stream-name=av \\\n"
    "    filesrc location=in.mp4 ! qtdemux name=d \\\n"
    "    d.video_0 ! queue ! h264parse ! s. d.audio_0 ! queue ! aacparse ! s.\n"
    "  gst-launch-1.0 -e filesrc location=in.mp4 ! qtdemux ! h264parse ! \\\n"
    "    kvssink stream-name=test endpoint-uri=http://127.0.0.1:4567 \\\n"
    "    access-key=... secret-key=...   (kvslocal: see emulator/README.md)";

const char kMessages[] =
    "\n"
    "  kvssink-fragment-ack: one per ACK. type (string: BUFFERING, RECEIVED,\n"
    "    PERSISTED, ERROR, IDLE), fragment-number (string), timecode\n"
    "    (gint64, ms as sent), error-id (gint, 0 unless ERROR), stream-name.\n"
    "  kvssink-stream-state: state (string: connecting, streaming,\n"
    "    reconnecting, draining, stopped), reason (string), stream-name.\n"
    "  kvssink-stats: every stats-interval ms (and per fragment with\n"
    "    get-kvs-metrics); the fields of the stats property.\n"
    "  kvssink-warning: at most once a second when timestamps were repaired\n"
    "    or frames/fragments dropped: message (string), timestamp-repairs,\n"
    "    dropped-frames, dropped-fragments, forced-cuts (guint64),\n"
    "    stream-name.\n"
    "  Errors carry details: http-status-code, kvs-error-id,\n"
    "    aws-error-type and stream-name, where known.\n"
    "  A fragment KVS rejects for good is a WARNING with details\n"
    "    stream-name, kvs-error-id and fragment-timecode (gint64, ms).";

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
    if (priv->pads.size() >= 3) {
      GST_ELEMENT_WARNING(sink, CORE, PAD,
                          ("kvssink takes at most 3 pads (KVS allows 3 "
                           "tracks): one video and two audio, or audio only"),
                          (nullptr));
      return nullptr;
    }
    if (video) {
      for (GstPad* existing : priv->pads) {
        auto* d = static_cast<PadData*>(gst_pad_get_element_private(existing));
        if (d != nullptr && d->video) {
          GST_ELEMENT_WARNING(
              sink, CORE, PAD,
              ("kvssink takes one video pad (%s is linked already): a KVS "
               "stream has one video track; use a second kvssink and stream "
               "for another camera",
               GST_PAD_NAME(existing)),
              (nullptr));
          return nullptr;
        }
      }
    }
    guint& next = video ? priv->next_video : priv->next_audio;
    pad_name = g_strdup_printf(video ? "video_%u" : "audio_%u", next++);
  }
  GstPad* pad = gst_pad_new_from_template(templ, pad_name);
  g_free(pad_name);
  auto* data = new PadData();
  data->video = video;
  {
    std::lock_guard<std::mutex> lock(priv->mutex);
    data->id = priv->next_id++;
  }
  gst_segment_init(&data->segment, GST_FORMAT_TIME);
  gst_pad_set_element_private(pad, data);
  gst_pad_set_chain_function(pad, GST_DEBUG_FUNCPTR(kvssink::Chain));
  gst_pad_set_event_function(pad, GST_DEBUG_FUNCPTR(kvssink::SinkEvent));
  gst_pad_set_query_function(pad, GST_DEBUG_FUNCPTR(kvssink::SinkQuery));
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
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
      !kvssink::StartStream(sink)) {
    return GST_STATE_CHANGE_FAILURE;
  }
  Private* priv = PrivateOf(sink);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    priv->sync.SetStopping(false);
  } else if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING) {
    priv->sync.SetPlaying(true);
  } else if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED) {
    priv->sync.SetPlaying(false);
  } else if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    // Pad deactivation below waits for chain functions: wake any that wait
    // for storage or the clock first.
    priv->sync.SetStopping(true);
    kvs::KvsStream* stream = priv->live_stream;
    if (stream != nullptr) stream->Unblock();
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(gst_kvs_sink_parent_class)
                                 ->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
      kvssink::StopStream(sink);
    return ret;
  }
  // Pads are deactivated now: no chain function is running.
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) kvssink::StopStream(sink);
  return ret;
}

// Upstream events sent to the element (a seek on a pipeline whose sink is
// kvssink: GstBin sends it to its sinks) go up through every sink pad, as
// GstAggregator does; GstElement's default would need a src pad.
// Downstream events keep the default (into a sink pad).
static gboolean gst_kvs_sink_send_event(GstElement* element, GstEvent* event) {
  if (!GST_EVENT_IS_UPSTREAM(event) || GST_EVENT_IS_DOWNSTREAM(event)) {
    return GST_ELEMENT_CLASS(gst_kvs_sink_parent_class)
        ->send_event(element, event);
  }
  GST_DEBUG_OBJECT(element, "pushing %s upstream on every sink pad",
                   GST_EVENT_TYPE_NAME(event));
  gboolean any = FALSE;
  GstIterator* it = gst_element_iterate_sink_pads(element);
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK: {
        auto* pad = GST_PAD(g_value_get_object(&item));
        if (gst_pad_push_event(pad, gst_event_ref(event))) any = TRUE;
        g_value_reset(&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync(it);
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  gst_event_unref(event);
  return any;
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
  kvssink::StopStream(sink);
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
  element_class->send_event = GST_DEBUG_FUNCPTR(gst_kvs_sink_send_event);
  for (bool video : {true, false}) {
    GstCaps* caps =
        gst_caps_from_string(video ? kvssink::kVideoCaps : kvssink::kAudioCaps);
    gst_element_class_add_pad_template(
        element_class,
        gst_pad_template_new(video ? "video_%u" : "audio_%u", GST_PAD_SINK,
                             GST_PAD_REQUEST, caps));
    gst_caps_unref(caps);
  }
  gst_element_class_set_static_metadata(
      element_class, "Kinesis Video Streams sink", "Sink/Video/Audio/Network",
      "Packages H.264/H.265 video and AAC/G.711 audio as MKV fragments and "
      "uploads them to Amazon Kinesis Video Streams with PutMedia. A drop-in "
      "replacement for the kvssink of AWS's C++ producer SDK: same pads, "
      "property names, units and defaults. State changes never wait for the "
      "network; frames are buffered (up to storage-size) while it connects "
      "or reconnects, and at EOS the element waits (at most "
      "stop-stream-timeout) for the last fragment's acknowledgement before "
      "posting EOS.",
      "kvssink developers");
  gst_element_class_add_static_metadata(element_class, "examples", kExamples);
  gst_element_class_add_static_metadata(element_class, "messages", kMessages);
}
