#include "gst/kvssink_stats.h"

namespace kvssink {
namespace {

void SetLatency(GstStructure* s, const char* name,
                const kvs::LatencyHistogram& h) {
  std::string base = name;
  gst_structure_set(s, (base + "-p50-ns").c_str(), G_TYPE_INT64,
                    h.Quantile(0.5), (base + "-p99-ns").c_str(), G_TYPE_INT64,
                    h.Quantile(0.99), (base + "-max-ns").c_str(), G_TYPE_INT64,
                    h.max(), nullptr);
}

}  // namespace

GstStructure* StatsToStructure(const kvs::StreamStats& stats,
                               const std::string& stream_name) {
  const kvs::ContentStore::Metrics& m = stats.store;
  const kvs::ContentStore::Counters& c = m.counters;
  const kvs::Uploader::Counters& u = stats.upload;
  guint64 used = c.bytes_held;
  guint64 available = m.max_bytes > used ? m.max_bytes - used : 0;
  GstStructure* s = gst_structure_new(
      "kvssink-stats", "stream-name", G_TYPE_STRING, stream_name.c_str(),
      "state", G_TYPE_STRING, kvs::UploadStateName(u.state),
      "storage-size-bytes", G_TYPE_UINT64, guint64{m.max_bytes},
      "storage-used-bytes", G_TYPE_UINT64, used, "storage-available-bytes",
      G_TYPE_UINT64, available, "current-view-bytes", G_TYPE_UINT64,
      guint64{m.unsent_bytes}, "overall-view-bytes", G_TYPE_UINT64, used,
      "current-view-duration-ms", G_TYPE_INT64, gint64{m.unsent_duration_ms},
      "overall-view-duration-ms", G_TYPE_INT64, gint64{m.held_duration_ms},
      "frame-rate", G_TYPE_DOUBLE, stats.frame_rate_fps, "transfer-rate",
      G_TYPE_DOUBLE, stats.transfer_rate_bps, nullptr);
  gst_structure_set(s, "frames-in", G_TYPE_UINT64, guint64{c.frames_in},
                    "bytes-in", G_TYPE_UINT64, guint64{c.bytes_in},
                    "bytes-sent", G_TYPE_UINT64, guint64{c.bytes_read},
                    "fragments-created", G_TYPE_UINT64,
                    guint64{c.fragments_created}, "fragments-sent",
                    G_TYPE_UINT64, guint64{c.fragments_sent}, "acks-buffering",
                    G_TYPE_UINT64, guint64{u.acks_buffering}, "acks-received",
                    G_TYPE_UINT64, guint64{u.acks_received}, "acks-persisted",
                    G_TYPE_UINT64, guint64{u.acks_persisted}, "acks-error",
                    G_TYPE_UINT64, guint64{u.acks_error}, nullptr);
  gst_structure_set(
      s, "dropped-frames", G_TYPE_UINT64,
      guint64{stats.packager.dropped_frames + c.evicted_frames},
      "dropped-fragments", G_TYPE_UINT64, guint64{c.evicted_fragments},
      "skipped-fragments", G_TYPE_UINT64, guint64{c.skipped_fragments},
      "frames-before-key-frame", G_TYPE_UINT64,
      guint64{stats.packager.waiting_for_key}, "sessions", G_TYPE_UINT64,
      guint64{u.sessions}, "reconnects", G_TYPE_UINT64, guint64{u.reconnects},
      "retries", G_TYPE_UINT64, guint64{u.retries}, "last-error", G_TYPE_STRING,
      u.last_error.c_str(), nullptr);
  const kvs::RepairCounters& r = stats.packager.repairs;
  gst_structure_set(
      s, "repairs-filled", G_TYPE_UINT64, guint64{r.filled},
      "repairs-dts-clamped", G_TYPE_UINT64, guint64{r.dts_clamped},
      "repairs-reanchored", G_TYPE_UINT64, guint64{r.reanchored},
      "repairs-gaps", G_TYPE_UINT64, guint64{r.gaps}, "repairs-nudged",
      G_TYPE_UINT64, guint64{r.nudged}, "repairs-dropped", G_TYPE_UINT64,
      guint64{r.dropped}, "forced-cuts", G_TYPE_UINT64,
      guint64{stats.packager.forced_cuts}, "header-changes", G_TYPE_UINT64,
      guint64{stats.packager.header_changes}, nullptr);
  kvs::ContentStore::ClientTotals client = kvs::ContentStore::Totals();
  gst_structure_set(s, "client-streams", G_TYPE_UINT64, guint64{client.stores},
                    "client-storage-size-bytes", G_TYPE_UINT64,
                    guint64{client.max_bytes}, "client-storage-used-bytes",
                    G_TYPE_UINT64, guint64{client.bytes_held},
                    "client-storage-available-bytes", G_TYPE_UINT64,
                    guint64{client.max_bytes > client.bytes_held
                                ? client.max_bytes - client.bytes_held
                                : 0},
                    nullptr);
  SetLatency(s, "frame-to-socket", m.frame_to_socket);
  SetLatency(s, "frame-to-received", m.frame_to_received);
  SetLatency(s, "frame-to-persisted", m.frame_to_persisted);
  return s;
}

}  // namespace kvssink
