// gst/kvssink_pads.cc: the data path: caps to tracks, buffers to frames
// with producer-time timestamps, events, end of stream.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gst/kvssink_caps.h"
#include "gst/kvssink_glue.h"
#include "gst/kvssink_private.h"
#include "gst/kvssink_stats.h"
#include "kvscore/base/clock.h"

#define GST_CAT_DEFAULT gst_kvs_sink_debug

namespace kvssink {

// Sends the tracks of every pad with caps to kvscore (ids stable per pad;
// kvscore numbers them in each MKV header, video first). Call with
// priv->mutex held.
bool SendTracks(GstKvsSink* sink) {
  Private* priv = PrivateOf(sink);
  std::vector<kvs::TrackConfig> configs;
  for (GstPad* pad : priv->pads) {
    auto* data = static_cast<PadData*>(gst_pad_get_element_private(pad));
    kvs::TrackConfig config = data->config;
    config.number = data->id;
    if (!data->has_caps) {  // Waited for (bounded) until its caps arrive.
      config.pending = true;
      config.codec =
          data->video ? kvs::TrackCodec::kH264 : kvs::TrackCodec::kAac;
      configs.push_back(config);
      continue;
    }
    if (data->video) {
      bool h264 = config.codec == kvs::TrackCodec::kH264;
      const std::string& codec_id = priv->active.codec_id;
      if (h264 || codec_id != Settings().codec_id) config.codec_id = codec_id;
      config.name = priv->active.track_name;
    }
    configs.push_back(config);
  }
  {
    std::vector<kvs::TrackConfig> known;
    for (const kvs::TrackConfig& c : configs) {
      if (!c.pending) known.push_back(c);
    }
    std::lock_guard<std::mutex> lock(priv->media_type_mutex);
    priv->media_type = kvssink::MediaTypeFor(known);
  }
  auto described = priv->stream->SetTracks(configs);
  if (!described.ok()) {
    kvssink::PostStatusError(GST_ELEMENT(sink), described.status(),
                             "Cannot package the negotiated format",
                             ErrorContextOf(sink));
    return false;
  }
  for (const kvs::TrackDescription& d : *described) {
    GST_INFO_OBJECT(sink, "track: %s", d.summary.c_str());
    for (const std::string& warning : d.warnings) {
      GST_ELEMENT_WARNING(sink, STREAM, FORMAT, ("%s", warning.c_str()),
                          (nullptr));
    }
  }
  priv->tracks_sent = true;
  return true;
}

namespace {

// One kvssink-warning message per second at most, naming what kvscore had
// to repair or drop since the last one (counts are totals since start).
void MaybeWarn(GstKvsSink* sink, kvs::KvsStream* stream) {
  Private* priv = PrivateOf(sink);
  int64_t now = kvs::SystemClock().MonotonicNs();
  {
    // Rate limit first: most frames then take no counter snapshot (and no
    // store lock the network thread contends for).
    std::lock_guard<std::mutex> lock(priv->mutex);
    if (now - priv->last_warning_mono_ns < kvs::kNsPerSecond) return;
  }
  kvs::Packager::Counters p = stream->packager_counters();
  kvs::ContentStore::Counters c = stream->store_counters();
  uint64_t repairs = p.repairs.total() - p.repairs.dropped + p.forced_cuts;
  uint64_t drops = p.dropped_frames + c.evicted_frames;
  {
    std::lock_guard<std::mutex> lock(priv->mutex);
    bool news = repairs > priv->warned_repairs || drops > priv->warned_drops;
    if (!news || now - priv->last_warning_mono_ns < kvs::kNsPerSecond) return;
    priv->last_warning_mono_ns = now;
    priv->warned_repairs = repairs;
    priv->warned_drops = drops;
  }
  std::string what;
  if (p.repairs.reanchored) what += " source timestamps reset;";
  if (p.repairs.dts_clamped) what += " DTS went backwards;";
  if (p.repairs.nudged) what += " duplicate or overlapping timestamps;";
  if (p.repairs.filled) what += " missing PTS/DTS;";
  if (p.repairs.gaps) what += " timestamp gaps;";
  if (p.forced_cuts) what += " no key frame within 10 s;";
  if (drops) what += " frames dropped;";
  if (c.evicted_fragments) what += " storage full, oldest fragments dropped;";
  GstStructure* s = gst_structure_new(
      "kvssink-warning", "stream-name", G_TYPE_STRING,
      priv->active.stream_name.c_str(), "message", G_TYPE_STRING, what.c_str(),
      "timestamp-repairs", G_TYPE_UINT64, guint64{repairs}, "dropped-frames",
      G_TYPE_UINT64, guint64{drops}, "dropped-fragments", G_TYPE_UINT64,
      guint64{c.evicted_fragments}, "forced-cuts", G_TYPE_UINT64,
      guint64{p.forced_cuts}, nullptr);
  GST_WARNING_OBJECT(sink, "kvssink-warning:%s", what.c_str());
  gst_element_post_message(GST_ELEMENT(sink),
                           gst_message_new_element(GST_OBJECT(sink), s));
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
      // The first timestamped buffer lands at the wall-clock time it
      // arrived (as upstream). Not through the pipeline clock: whether the
      // element has one yet (PAUSED or PLAYING) would move the whole stream
      // by the first buffer's running time.
      priv->anchor_ns = kvs::SystemClock().RealtimeNs() - run;
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

bool OutsideSegment(PadData* data, GstBuffer* buffer) {
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer)
                                                    : GST_BUFFER_DTS(buffer);
  if (!GST_CLOCK_TIME_IS_VALID(ts) || data->segment.format != GST_FORMAT_TIME) {
    return false;
  }
  GstClockTime stop = GST_BUFFER_DURATION_IS_VALID(buffer)
                          ? ts + GST_BUFFER_DURATION(buffer)
                          : GST_CLOCK_TIME_NONE;
  return !gst_segment_clip(&data->segment, GST_FORMAT_TIME, ts, stop, nullptr,
                           nullptr);
}

// get-kvs-metrics: a kvssink-stats message whenever a fragment starts (as
// upstream emits its metrics on key frames).
void PostMetricsOnNewFragment(GstKvsSink* sink, kvs::KvsStream* stream) {
  Private* priv = PrivateOf(sink);
  uint64_t fragments = stream->packager_counters().fragments;
  {
    std::lock_guard<std::mutex> lock(priv->mutex);
    if (fragments == priv->fragments_seen) return;
    priv->fragments_seen = fragments;
  }
  GstStructure* s =
      kvssink::StatsToStructure(stream->GetStats(), priv->active.stream_name);
  gst_element_post_message(GST_ELEMENT(sink),
                           gst_message_new_element(GST_OBJECT(sink), s));
}

}  // namespace

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
  if (!priv->tracks_sent && !SendTracks(sink)) {
    gst_buffer_unref(buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (!priv->active.disable_buffer_clipping && OutsideSegment(data, buffer)) {
    GST_LOG_OBJECT(sink, "%s: buffer outside the segment: dropped",
                   GST_PAD_NAME(pad));
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  if (priv->active.sync) {
    GstClockTime ts = GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer)
                                                      : GST_BUFFER_DTS(buffer);
    GstClockTime running =
        gst_segment_to_running_time(&data->segment, GST_FORMAT_TIME, ts);
    if (GST_CLOCK_TIME_IS_VALID(running)) {
      lock.unlock();  // Never wait holding the lock.
      bool go_on = priv->sync.Wait(GST_ELEMENT(sink), pad, running);
      lock.lock();
      if (!go_on || !priv->stream) {
        gst_buffer_unref(buffer);
        return GST_FLOW_FLUSHING;
      }
    }
  }
  kvs::Frame frame;
  frame.track = data->id;
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
  kvs::Status status = stream->PutFrame(std::move(frame));
  if (status.code() == kvs::StatusCode::kCancelled) return GST_FLOW_FLUSHING;
  if (priv->active.get_kvs_metrics) PostMetricsOnNewFragment(sink, stream);
  MaybeWarn(sink, stream);
  if (!status.ok()) {
    GST_WARNING_OBJECT(sink, "frame on %s not sent: %s", GST_PAD_NAME(pad),
                       status.ToString().c_str());
  }
  return priv->failed ? GST_FLOW_ERROR : GST_FLOW_OK;
}

namespace {

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
  if (priv->stream) priv->stream->EndTrack(data->id);
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
  bool changed = data->has_caps;
  data->config = std::move(config).value();
  data->has_caps = true;
  if (!priv->stream) return TRUE;
  if (changed) {
    GST_INFO_OBJECT(sink,
                    "caps changed on %s: new MKV header at the next "
                    "key frame",
                    GST_PAD_NAME(pad));
  }
  return SendTracks(sink) ? TRUE : FALSE;
}

// kvs-add-metadata (upstream-kvssink.md A.3): fields name and value
// (strings) and persist (boolean) become a fragment metadata tag.
void HandleCustom(GstKvsSink* sink, const GstStructure* s) {
  if (s == nullptr || !gst_structure_has_name(s, "kvs-add-metadata")) return;
  const char* name = gst_structure_get_string(s, "name");
  const char* value = gst_structure_get_string(s, "value");
  gboolean persist = FALSE;
  if (name == nullptr || value == nullptr ||
      !gst_structure_get_boolean(s, "persist", &persist)) {
    GST_ELEMENT_WARNING(sink, STREAM, FORMAT,
                        ("kvs-add-metadata needs name and value (strings) "
                         "and persist (boolean); ignored"),
                        (nullptr));
    return;
  }
  Private* priv = PrivateOf(sink);
  std::lock_guard<std::mutex> lock(priv->mutex);
  if (!priv->stream) return;
  kvs::Status status = priv->stream->PutMetadata(name, value, persist);
  if (!status.ok()) {
    GST_ELEMENT_WARNING(sink, STREAM, FORMAT, ("%s", status.message().c_str()),
                        (nullptr));
  }
}

}  // namespace

gboolean SinkQuery(GstPad* pad, GstObject* parent, GstQuery* query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_ACCEPT_CAPS) {
    auto* data = static_cast<PadData*>(gst_pad_get_element_private(pad));
    GstCaps* caps;
    gst_query_parse_accept_caps(query, &caps);
    gst_query_set_accept_caps_result(
        query, kvssink::AcceptsMediaType(caps, data->video));
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, query);
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
      // Wake a chain function waiting for storage (offline mode) or for
      // the clock (sync).
      PrivateOf(sink)->sync.SetFlushing(pad, true);
      kvs::KvsStream* stream = PrivateOf(sink)->live_stream;
      if (stream != nullptr) stream->Unblock();
      break;
    }
    case GST_EVENT_CUSTOM_DOWNSTREAM:
    case GST_EVENT_CUSTOM_DOWNSTREAM_OOB:
    case GST_EVENT_CUSTOM_BOTH:
    case GST_EVENT_CUSTOM_BOTH_OOB:
      HandleCustom(sink, gst_event_get_structure(event));
      break;
    case GST_EVENT_FLUSH_STOP: {
      std::lock_guard<std::mutex> lock(PrivateOf(sink)->mutex);
      data->eos = false;
      gst_segment_init(&data->segment, GST_FORMAT_TIME);
      if (PrivateOf(sink)->stream) {
        PrivateOf(sink)->stream->Flush();  // The session stays.
        PrivateOf(sink)->stream->Resume();
      }
      PrivateOf(sink)->sync.SetFlushing(pad, false);
      break;
    }
    default:
      break;
  }
  gst_event_unref(event);
  return result;
}

}  // namespace kvssink
