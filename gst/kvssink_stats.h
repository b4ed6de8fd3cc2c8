// gst/kvssink_stats.h: kvscore's StreamStats as the `kvssink-stats`
// GstStructure (the `stats` property and the kvssink-stats message).
//
// Fields (units in the names where they have one):
//   stream-name (string), state (string: idle, connecting, streaming,
//   reconnecting, draining, stopped),
//   storage-size-bytes, storage-used-bytes, storage-available-bytes,
//   current-view-bytes, overall-view-bytes (guint64),
//   current-view-duration-ms, overall-view-duration-ms (gint64),
//   frame-rate (gdouble, frames/s), transfer-rate (gdouble, bytes/s),
//   frames-in, bytes-in, bytes-sent, fragments-created, fragments-sent
//   (guint64; bytes-sent and fragments-sent count replays again),
//   acks-buffering, acks-received, acks-persisted, acks-error (guint64),
//   dropped-frames, dropped-fragments, skipped-fragments (guint64),
//   frames-before-key-frame (guint64),
//   repairs-filled, repairs-dts-clamped, repairs-reanchored, repairs-gaps,
//   repairs-nudged, repairs-dropped, forced-cuts, header-changes (guint64):
//   what the packager repaired (kvscore/stream/timestamp_sanitizer.h),
//   fragments cut without a key frame, and new MKV headers,
//   sessions, reconnects, retries (guint64), last-error (string),
//   client-streams, client-storage-size-bytes, client-storage-used-bytes,
//   client-storage-available-bytes (guint64): every stream of the process
//   (upstream's client metrics),
//   frame-to-socket-{p50,p99,max}-ns, frame-to-received-{p50,p99,max}-ns,
//   frame-to-persisted-{p50,p99,max}-ns (gint64): latency from a frame
//   entering kvssink to its last byte handed to the socket, and from a
//   fragment's last frame entering to its RECEIVED / PERSISTED ACK.
#ifndef GST_KVSSINK_STATS_H_
#define GST_KVSSINK_STATS_H_

#include <gst/gst.h>

#include <string>

#include "kvscore/stream/kvs_stream.h"

namespace kvssink {

// A new structure named "kvssink-stats"; the caller owns it.
GstStructure* StatsToStructure(const kvs::StreamStats& stats,
                               const std::string& stream_name);

}  // namespace kvssink

#endif  // GST_KVSSINK_STATS_H_
