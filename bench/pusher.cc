// bench/pusher.cc: kvssink-bench-push, the producer process of bench/run.
//
// It loads a frame file (frame_cache.h), builds one pipeline holding N sinks
// (kvssink, or fakesink for the pusher's own floor), and pushes the frames
// into each sink's pad straight from its own thread: no source element, no
// parser, no encoder, so the process's CPU time is the sink's cost plus a
// small, separately measured floor (allocating each GstBuffer and copying
// the frame into it, as an encoder would hand over a fresh buffer).
//
//   offline:  frames as fast as the sink takes them, timestamps at the
//             file's frame rate from 0, streaming-type=offline and
//             file-start-time far enough back that the media ends now;
//   realtime: frame k of stream i is pushed at t0 + k/fps + i/(N fps),
//             timestamped with the pipeline's running time then; with N > 1
//             stream i starts i/N of a GOP later, so key frames don't align.
//
// At the end it sends EOS, waits for the pipeline's EOS (kvssink posts it
// once every fragment is acknowledged), reads each sink's `stats` if it has
// one, and prints one JSON object on stdout: monotonic timestamps
// (CLOCK_MONOTONIC ns, comparable with the parent's), CPU time of this
// process over the measured window (getrusage, all threads), RSS and thread
// counts, ACK counts and first-ACK times from kvssink-fragment-ack messages,
// and the stats structures. The exit status is 0 only when the run ended
// with EOS and no ERROR message.
//
// Properties that a kvssink build lacks (another build may be compared) are
// skipped; credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
#include <gst/gst.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "bench/frame_cache.h"
#include "bench/json_writer.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#endif

namespace {

using bench::CachedFrame;
using bench::FrameCache;
using bench::JsonObject;
using bench::JsonString;
using bench::StructureJson;

int64_t MonoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void SleepUntil(int64_t mono_ns) {
  timespec ts;
  ts.tv_sec = mono_ns / 1000000000;
  ts.tv_nsec = mono_ns % 1000000000;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

double CpuSeconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

// A "Name:   value" line of /proc/self/status (kB for memory), or -1.
int64_t ProcStatus(const char* name) {
  FILE* f = fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  int64_t value = -1;
  size_t n = strlen(name);
  while (fgets(line, sizeof line, f) != nullptr) {
    if (strncmp(line, name, n) == 0 && line[n] == ':') {
      value = strtoll(line + n + 1, nullptr, 10);
      break;
    }
  }
  fclose(f);
  return value;
}

// --- Options. ---------------------------------------------------------------

struct Options {
  gchar* frames = nullptr;
  gchar* sink = nullptr;
  gchar* mode = nullptr;
  gchar* endpoint = nullptr;
  gchar* stream_prefix = nullptr;
  gint streams = 1;
  gdouble seconds = 10;
  gint64 bytes = 64 << 20;
  gint storage_mb = 0;
  gint eos_timeout_s = 180;
  gboolean throttle = FALSE;
  gboolean no_stagger = FALSE;
  gboolean callgrind = FALSE;
};

bool ParseOptions(int* argc, char*** argv, Options* o) {
  GOptionEntry entries[] = {
      {"frames", 0, 0, G_OPTION_ARG_FILENAME, &o->frames, "Frame file", "F"},
      {"sink", 0, 0, G_OPTION_ARG_STRING, &o->sink, "kvssink, fakesink or none",
       "S"},
      {"mode", 0, 0, G_OPTION_ARG_STRING, &o->mode, "offline or realtime", "M"},
      {"endpoint", 0, 0, G_OPTION_ARG_STRING, &o->endpoint, "endpoint-uri",
       "URL"},
      {"stream-prefix", 0, 0, G_OPTION_ARG_STRING, &o->stream_prefix,
       "Stream name (prefix when --streams > 1)", "P"},
      {"streams", 0, 0, G_OPTION_ARG_INT, &o->streams, "Sinks", "N"},
      {"seconds", 0, 0, G_OPTION_ARG_DOUBLE, &o->seconds, "Realtime length",
       "S"},
      {"bytes", 0, 0, G_OPTION_ARG_INT64, &o->bytes, "Offline volume", "B"},
      {"storage-mb", 0, 0, G_OPTION_ARG_INT, &o->storage_mb, "storage-size",
       "MB"},
      {"eos-timeout", 0, 0, G_OPTION_ARG_INT, &o->eos_timeout_s,
       "Longest wait for EOS", "S"},
      {"throttle", 0, 0, G_OPTION_ARG_NONE, &o->throttle,
       "Offline: wait while stats say storage is half full", nullptr},
      {"no-stagger", 0, 0, G_OPTION_ARG_NONE, &o->no_stagger,
       "Realtime: start every stream at once", nullptr},
      {"callgrind", 0, 0, G_OPTION_ARG_NONE, &o->callgrind,
       "Zero callgrind counters at PLAYING, dump them at EOS", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- push frames into kvssink");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError* err = nullptr;
  bool ok = g_option_context_parse(ctx, argc, argv, &err);
  g_option_context_free(ctx);
  if (!ok) {
    fprintf(stderr, "kvssink-bench-push: %s\n", err->message);
    g_error_free(err);
    return false;
  }
  if (o->sink == nullptr) o->sink = g_strdup("kvssink");
  if (o->mode == nullptr) o->mode = g_strdup("realtime");
  if (o->stream_prefix == nullptr) o->stream_prefix = g_strdup("bench");
  return o->frames != nullptr && o->streams > 0;
}

// --- Bus. -------------------------------------------------------------------

// Filled by the bus sync handler (any thread), read by main under `lock`.
struct BusState {
  GMutex lock;
  GCond cond;
  bool eos = false;
  int64_t eos_ns = 0;
  std::vector<std::string> errors;
  uint64_t warnings = 0;
  std::map<std::string, uint64_t> acks;      // Type -> count.
  std::map<std::string, int64_t> first_ack;  // Type -> monotonic ns.
  std::string first_warning;
};

void NoteAck(BusState* bus, const GstStructure* s, int64_t now) {
  const char* type = gst_structure_get_string(s, "type");
  std::string t = type != nullptr ? type : "?";
  if (bus->acks[t]++ == 0) bus->first_ack[t] = now;
}

GstBusSyncReply OnBusMessage(GstBus*, GstMessage* msg, gpointer data) {
  auto* bus = static_cast<BusState*>(data);
  int64_t now = MonoNs();
  g_mutex_lock(&bus->lock);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_EOS:
      bus->eos = true;
      bus->eos_ns = now;
      g_cond_broadcast(&bus->cond);
      break;
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      bus->errors.push_back(std::string(GST_OBJECT_NAME(msg->src)) + ": " +
                            err->message);
      g_error_free(err);
      g_cond_broadcast(&bus->cond);
      break;
    }
    case GST_MESSAGE_WARNING:
      if (bus->warnings++ == 0) {
        GError* err = nullptr;
        gst_message_parse_warning(msg, &err, nullptr);
        bus->first_warning = err->message;
        g_error_free(err);
      }
      break;
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(msg);
      if (gst_structure_has_name(s, "kvssink-fragment-ack")) {
        NoteAck(bus, s, now);
      }
      break;
    }
    default:
      break;
  }
  g_mutex_unlock(&bus->lock);
  return GST_BUS_DROP;  // Nothing reads the bus asynchronously.
}

// --- The pipeline. ----------------------------------------------------------

struct Sink {
  GstElement* element = nullptr;
  GstPad* src = nullptr;  // Ours, linked to the sink's pad.
  int64_t start_tick = 0;
  uint64_t frames = 0;
};

struct Run {
  Options opt;
  FrameCache cache;
  GstElement* pipeline = nullptr;
  std::vector<Sink> sinks;
  BusState bus;
  bool no_sink = false;  // --sink none: the pusher's own floor.
  bool has_stats = false;
  std::string plugin_file;
  std::string plugin_version;
  // Results.
  int64_t t_playing = 0, t_first_push = 0, t_last_push = 0, t_eos_sent = 0,
          t_exit = 0;
  uint64_t frames_pushed = 0, bytes_pushed = 0, key_frames_pushed = 0;
  int64_t t_second_key = 0;  // Stream 0's second key frame: fragment 1 ends.
  uint64_t throttle_waits = 0, late_pushes = 0;
  int64_t max_late_ns = 0;
  double cpu_before = 0, cpu_window = 0;
  int64_t rss_before_kb = 0, hwm_end_kb = 0, threads_before = 0,
          threads_end = 0;
  std::vector<std::string> push_errors;
  std::string stats_json = "[]";
};

bool HasProperty(GstElement* e, const char* name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(e), name) != nullptr;
}

void SetIfPresent(GstElement* e, const char* name, const char* value) {
  if (value != nullptr && HasProperty(e, name)) {
    gst_util_set_object_arg(G_OBJECT(e), name, value);
  }
}

std::string StreamName(const Run& run, int i) {
  if (run.opt.streams == 1) return run.opt.stream_prefix;
  return std::string(run.opt.stream_prefix) + "-" + std::to_string(i);
}

int64_t MediaDurationNs(const Run& run) {
  double frames =
      double(run.opt.bytes) / run.cache.total_bytes() * run.cache.frames.size();
  return int64_t(frames * run.cache.frame_duration_ns());
}

void ConfigureKvsSink(Run* run, GstElement* e, int i) {
  bool offline = strcmp(run->opt.mode, "offline") == 0;
  SetIfPresent(e, "stream-name", StreamName(*run, i).c_str());
  SetIfPresent(e, "endpoint-uri", run->opt.endpoint);
  SetIfPresent(e, "access-key", g_getenv("AWS_ACCESS_KEY_ID"));
  SetIfPresent(e, "secret-key", g_getenv("AWS_SECRET_ACCESS_KEY"));
  SetIfPresent(e, "aws-region", "us-west-2");
  SetIfPresent(e, "streaming-type", offline ? "offline" : "realtime");
  if (offline) {
    // Old enough that the last frame is not in the future (KVS rejects
    // producer times more than 5 minutes ahead: ERROR 4007).
    int64_t start_s = g_get_real_time() / G_USEC_PER_SEC -
                      MediaDurationNs(*run) / 1000000000 - 10;
    SetIfPresent(e, "file-start-time", std::to_string(start_s).c_str());
  }
  if (run->opt.storage_mb > 0) {
    SetIfPresent(e, "storage-size",
                 std::to_string(run->opt.storage_mb).c_str());
  }
}

GstElement* MakeSink(Run* run, int i) {
  GstElement* e = gst_element_factory_make(run->opt.sink, nullptr);
  if (e == nullptr) return nullptr;
  if (strcmp(run->opt.sink, "fakesink") == 0) {
    g_object_set(e, "sync", FALSE, "async", FALSE, nullptr);
  } else {
    ConfigureKvsSink(run, e, i);
  }
  return e;
}

GstPad* SinkPadOf(GstElement* e) {
  GstPad* pad = gst_element_get_static_pad(e, "sink");
  if (pad == nullptr) pad = gst_element_request_pad_simple(e, "video_%u");
  return pad;
}

bool RecordPlugin(Run* run) {
  GstElementFactory* f = gst_element_factory_find(run->opt.sink);
  if (f == nullptr) return false;
  GstPlugin* plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(f));
  if (plugin != nullptr) {
    const char* file = gst_plugin_get_filename(plugin);
    run->plugin_file = file != nullptr ? file : "";
    run->plugin_version = gst_plugin_get_version(plugin);
    gst_object_unref(plugin);
  }
  gst_object_unref(f);
  return true;
}

// --sink none: buffers are made and dropped; nothing is pushed.
void BuildWithoutSinks(Run* run) {
  run->pipeline = gst_pipeline_new("bench");
  for (int i = 0; i < run->opt.streams; ++i) {
    Sink sink;
    sink.src = gst_pad_new(nullptr, GST_PAD_SRC);
    run->sinks.push_back(sink);
  }
}

bool BuildPipeline(Run* run) {
  run->no_sink = strcmp(run->opt.sink, "none") == 0;
  if (run->no_sink) {
    BuildWithoutSinks(run);
    return true;
  }
  if (!RecordPlugin(run)) {
    fprintf(stderr, "kvssink-bench-push: no element '%s' (GST_PLUGIN_PATH?)\n",
            run->opt.sink);
    return false;
  }
  run->pipeline = gst_pipeline_new("bench");
  GstBus* bus = gst_pipeline_get_bus(GST_PIPELINE(run->pipeline));
  gst_bus_set_sync_handler(bus, OnBusMessage, &run->bus, nullptr);
  gst_object_unref(bus);
  for (int i = 0; i < run->opt.streams; ++i) {
    Sink sink;
    sink.element = MakeSink(run, i);
    if (sink.element == nullptr) return false;
    gst_bin_add(GST_BIN(run->pipeline), sink.element);
    GstPad* sinkpad = SinkPadOf(sink.element);
    sink.src = gst_pad_new(nullptr, GST_PAD_SRC);
    bool linked = sinkpad != nullptr &&
                  gst_pad_link(sink.src, sinkpad) == GST_PAD_LINK_OK;
    if (sinkpad != nullptr) gst_object_unref(sinkpad);
    if (!linked) {
      fprintf(stderr, "kvssink-bench-push: cannot link to %s\n", run->opt.sink);
      return false;
    }
    run->sinks.push_back(sink);
  }
  run->has_stats = HasProperty(run->sinks[0].element, "stats");
  return true;
}

// Stream-start, caps and segment on each of our pads (after PLAYING, when
// the sinks' pads are active).
bool StartPads(Run* run) {
  if (run->no_sink) return true;
  GstCaps* caps = gst_caps_from_string(run->cache.caps.c_str());
  if (caps == nullptr) return false;
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  bool ok = true;
  for (size_t i = 0; i < run->sinks.size() && ok; ++i) {
    GstPad* src = run->sinks[i].src;
    gst_pad_set_active(src, TRUE);
    std::string id = "bench-" + std::to_string(i);
    ok = gst_pad_push_event(src, gst_event_new_stream_start(id.c_str())) &&
         gst_pad_push_event(src, gst_event_new_caps(caps)) &&
         gst_pad_push_event(src, gst_event_new_segment(&segment));
  }
  gst_caps_unref(caps);
  return ok;
}

bool Failed(Run* run) {
  g_mutex_lock(&run->bus.lock);
  bool failed = !run->bus.errors.empty();
  g_mutex_unlock(&run->bus.lock);
  return failed || !run->push_errors.empty();
}

// Pushes frame `index` (mod the cache) of `sink` with timestamp `pts`.
bool PushFrame(Run* run, Sink* sink, uint64_t index, GstClockTime pts) {
  const CachedFrame& f = run->cache.frames[index % run->cache.frames.size()];
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, f.size, nullptr);
  gst_buffer_fill(buf, 0, run->cache.data(f), f.size);
  GST_BUFFER_PTS(buf) = GST_BUFFER_DTS(buf) = pts;
  GST_BUFFER_DURATION(buf) = run->cache.frame_duration_ns();
  if (!f.key) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  int64_t now = MonoNs();
  if (run->t_first_push == 0) run->t_first_push = now;
  if (f.key && sink == &run->sinks[0] && sink->frames > 0 &&
      run->t_second_key == 0) {
    run->t_second_key = now;
  }
  GstFlowReturn ret = GST_FLOW_OK;
  if (run->no_sink) {
    gst_buffer_unref(buf);
  } else {
    ret = gst_pad_push(sink->src, buf);
  }
  run->t_last_push = now;
  ++sink->frames;
  ++run->frames_pushed;
  run->bytes_pushed += f.size;
  if (f.key) ++run->key_frames_pushed;
  if (ret != GST_FLOW_OK) {
    run->push_errors.push_back(std::string("push: ") + gst_flow_get_name(ret));
    return false;
  }
  return true;
}

// Offline workaround while kvssink does not block (see README): wait while
// the store is more than half full.
void Throttle(Run* run, Sink* sink) {
  for (;;) {
    GstStructure* s = nullptr;
    g_object_get(sink->element, "stats", &s, nullptr);
    guint64 used = 0, size = 0;
    if (s != nullptr) {
      gst_structure_get_uint64(s, "storage-used-bytes", &used);
      gst_structure_get_uint64(s, "storage-size-bytes", &size);
      gst_structure_free(s);
    }
    if (size == 0 || used * 2 < size || Failed(run)) return;
    ++run->throttle_waits;
    g_usleep(1000);
  }
}

void PushOffline(Run* run) {
  const int64_t dur = run->cache.frame_duration_ns();
  const bool throttle = run->opt.throttle && run->has_stats;
  for (uint64_t k = 0; run->bytes_pushed < uint64_t(run->opt.bytes); ++k) {
    for (Sink& sink : run->sinks) {
      if (throttle && k % 16 == 0) Throttle(run, &sink);
      if (!PushFrame(run, &sink, k, k * dur) || Failed(run)) return;
    }
  }
}

// Frames from the first key frame to the next (the GOP length).
int64_t KeyInterval(const FrameCache& cache) {
  for (size_t i = 1; i < cache.frames.size(); ++i) {
    if (cache.frames[i].key) return int64_t(i);
  }
  return int64_t(cache.frames.size());
}

void PushRealtime(Run* run) {
  const int64_t dur = run->cache.frame_duration_ns();
  const int64_t n = int64_t(run->sinks.size());
  const int64_t ticks = int64_t(run->opt.seconds * 1e9 / dur);
  const int64_t gop = KeyInterval(run->cache);
  for (int64_t i = 0; i < n; ++i) {
    run->sinks[i].start_tick = run->opt.no_stagger ? 0 : gop * i / n;
  }
  GstClock* clock = gst_element_get_clock(run->pipeline);
  GstClockTime base = gst_element_get_base_time(run->pipeline);
  const int64_t t0 = MonoNs();
  const GstClockTime pts0 = gst_clock_get_time(clock) - base;
  gst_object_unref(clock);
  for (int64_t k = 0; k < ticks; ++k) {
    for (int64_t i = 0; i < n; ++i) {
      Sink& sink = run->sinks[i];
      if (k < sink.start_tick) continue;
      int64_t offset = k * dur + i * dur / n;
      SleepUntil(t0 + offset);
      int64_t late = MonoNs() - (t0 + offset);
      run->max_late_ns = std::max(run->max_late_ns, late);
      if (late > dur) ++run->late_pushes;
      if (!PushFrame(run, &sink, k - sink.start_tick, pts0 + offset) ||
          Failed(run)) {
        return;
      }
    }
  }
}

void SendEos(Run* run) {
  run->t_eos_sent = MonoNs();
  if (run->no_sink) {
    g_mutex_lock(&run->bus.lock);
    run->bus.eos = true;
    run->bus.eos_ns = run->t_eos_sent;
    g_mutex_unlock(&run->bus.lock);
    return;
  }
  for (Sink& sink : run->sinks)
    gst_pad_push_event(sink.src, gst_event_new_eos());
}

bool WaitForEos(Run* run) {
  int64_t deadline =
      g_get_monotonic_time() + int64_t{run->opt.eos_timeout_s} * G_USEC_PER_SEC;
  g_mutex_lock(&run->bus.lock);
  while (!run->bus.eos && run->bus.errors.empty()) {
    if (!g_cond_wait_until(&run->bus.cond, &run->bus.lock, deadline)) break;
  }
  bool eos = run->bus.eos;
  g_mutex_unlock(&run->bus.lock);
  return eos;
}

void CollectStats(Run* run) {
  if (!run->has_stats) return;
  std::string out = "[";
  for (size_t i = 0; i < run->sinks.size(); ++i) {
    GstStructure* s = nullptr;
    g_object_get(run->sinks[i].element, "stats", &s, nullptr);
    if (i > 0) out += ",";
    out += s != nullptr ? StructureJson(s) : "null";
    if (s != nullptr) gst_structure_free(s);
  }
  run->stats_json = out + "]";
}

void CallgrindZero(const Run& run) {
#ifdef BENCH_HAVE_CALLGRIND
  if (run.opt.callgrind) CALLGRIND_ZERO_STATS;
#endif
}

void CallgrindDump(const Run& run) {
#ifdef BENCH_HAVE_CALLGRIND
  if (run.opt.callgrind) CALLGRIND_DUMP_STATS_AT("bench-window");
#endif
}

// PLAYING, push, EOS, wait; the CPU window ends at the pipeline's EOS.
bool Measure(Run* run) {
  run->rss_before_kb = ProcStatus("VmRSS");
  run->threads_before = ProcStatus("Threads");
  CallgrindZero(*run);
  run->cpu_before = CpuSeconds();
  run->t_playing = MonoNs();
  if (gst_element_set_state(run->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    run->push_errors.push_back("PLAYING failed");
    return false;
  }
  if (!StartPads(run)) run->push_errors.push_back("pad events refused");
  if (Failed(run)) return false;
  if (strcmp(run->opt.mode, "offline") == 0) {
    PushOffline(run);
  } else {
    PushRealtime(run);
  }
  SendEos(run);
  bool eos = WaitForEos(run);
  run->cpu_window = CpuSeconds() - run->cpu_before;
  CallgrindDump(*run);
  run->hwm_end_kb = ProcStatus("VmHWM");
  run->threads_end = ProcStatus("Threads");
  if (!eos && run->bus.errors.empty()) {
    run->push_errors.push_back("no EOS within " +
                               std::to_string(run->opt.eos_timeout_s) + " s");
  }
  CollectStats(run);
  gst_element_set_state(run->pipeline, GST_STATE_NULL);
  run->t_exit = MonoNs();
  return eos && !Failed(run);
}

std::string MapJson(const std::map<std::string, int64_t>& m) {
  JsonObject o;
  for (const auto& kv : m) o.Int(kv.first.c_str(), kv.second);
  return o.Close();
}

std::string ErrorsJson(const Run& run) {
  std::string out = "[";
  std::vector<std::string> all = run.bus.errors;
  all.insert(all.end(), run.push_errors.begin(), run.push_errors.end());
  for (size_t i = 0; i < all.size(); ++i) {
    out += (i ? "," : "") + JsonString(all[i].c_str());
  }
  return out + "]";
}

void PrintResult(const Run& run, bool ok) {
  JsonObject o;
  o.Raw("ok", ok ? "true" : "false");
  o.Str("plugin-file", run.plugin_file);
  o.Str("plugin-version", run.plugin_version);
  o.Str("sink", run.opt.sink);
  o.Str("mode", run.opt.mode);
  o.Int("streams", run.opt.streams);
  o.Raw("has-stats", run.has_stats ? "true" : "false");
  o.Int("t-playing", run.t_playing);
  o.Int("t-first-push", run.t_first_push);
  o.Int("t-last-push", run.t_last_push);
  o.Int("t-second-key", run.t_second_key);
  o.Int("t-eos-sent", run.t_eos_sent);
  o.Int("t-eos", run.bus.eos_ns);
  o.Int("t-exit", run.t_exit);
  o.Int("frames-pushed", run.frames_pushed);
  o.Int("bytes-pushed", run.bytes_pushed);
  o.Int("key-frames-pushed", run.key_frames_pushed);
  o.Int("throttle-waits", run.throttle_waits);
  o.Int("late-pushes", run.late_pushes);
  o.Int("max-late-ns", run.max_late_ns);
  o.Num("cpu-window-s", run.cpu_window);
  o.Int("rss-before-kb", run.rss_before_kb);
  o.Int("hwm-end-kb", run.hwm_end_kb);
  o.Int("threads-before", run.threads_before);
  o.Int("threads-end", run.threads_end);
  std::map<std::string, int64_t> acks(run.bus.acks.begin(), run.bus.acks.end());
  o.Raw("acks", MapJson(acks));
  o.Raw("first-ack", MapJson(run.bus.first_ack));
  o.Int("warnings", run.bus.warnings);
  o.Str("first-warning", run.bus.first_warning);
  o.Raw("errors", ErrorsJson(run));
  o.Raw("stats", run.stats_json);
  printf("%s\n", o.Close().c_str());
  fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Run run;
  g_mutex_init(&run.bus.lock);
  g_cond_init(&run.bus.cond);
  if (!ParseOptions(&argc, &argv, &run.opt)) {
    fprintf(stderr, "usage: kvssink-bench-push --frames FILE [options]\n");
    return 64;
  }
  gst_init(&argc, &argv);
  std::string error;
  if (!bench::LoadFrameCache(run.opt.frames, &run.cache, &error)) {
    fprintf(stderr, "kvssink-bench-push: %s\n", error.c_str());
    return 66;
  }
  if (!BuildPipeline(&run)) return 69;
  bool ok = Measure(&run);
  PrintResult(run, ok);
  for (Sink& sink : run.sinks) gst_object_unref(sink.src);
  gst_object_unref(run.pipeline);
  return ok ? 0 : 1;
}
