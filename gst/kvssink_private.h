// gst/kvssink_private.h: the element's private state, shared by its
// source files (gstkvssink.cc: GObject glue; kvssink_lifecycle.cc: start and
// stop; kvssink_pads.cc: the data path). Not a public header.
#ifndef GST_KVSSINK_PRIVATE_H_
#define GST_KVSSINK_PRIVATE_H_

#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gst/gstkvssink.h"
#include "gst/kvssink_glue.h"
#include "gst/kvssink_settings.h"
#include "gst/kvssink_sync.h"
#include "kvscore/auth/clock_skew.h"
#include "kvscore/stream/kvs_stream.h"

GST_DEBUG_CATEGORY_EXTERN(gst_kvs_sink_debug);

namespace kvssink {

class SinkListener;

// Per request pad; lives from request_new_pad to release_pad (pad element
// private data).
struct PadData {
  bool video = false;
  bool has_caps = false;
  bool eos = false;
  kvs::TrackConfig config;
  uint32_t id = 0;  // Track id for kvscore (stable for the pad's life).
  GstSegment segment;
};

// All C++ state of a GstKvsSink (STYLE.md item 5): created in _init,
// deleted in _finalize.

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
  uint32_t next_id = 1;      // Track ids for kvscore.
  bool tracks_sent = false;  // kvscore has the tracks of the pads' caps.
  // kvssink-warning rate limit (one per kind per second).
  int64_t last_warning_mono_ns = 0;
  uint64_t warned_repairs = 0;
  uint64_t warned_drops = 0;
  bool finishing = false;
  uint64_t fragments_seen = 0;            // For get-kvs-metrics.
  int64_t anchor_ns = kvs::kNoTimestamp;  // Producer time of running time 0.
  std::atomic<bool> failed{false};

  ClockSync sync;  // For the `sync` property.
  // CreateStream's MediaType derived from the caps (when content-type was
  // not set); read on the network thread.
  std::mutex media_type_mutex;
  std::string media_type;

  // For error messages posted from any thread (network included).
  std::mutex context_mutex;
  std::string error_stream_name;
  bool explicit_credentials = false;
};

Private* PrivateOf(GstKvsSink* sink);

// Turns kvscore's callbacks (network thread) into bus messages
// (kvssink-stream-state, kvssink-fragment-ack), warnings, errors and the
// final EOS. Defined in kvssink_lifecycle.cc.
class SinkListener : public kvs::KvsStream::Listener {
 public:
  SinkListener(GstKvsSink* sink, std::string stream_name)
      : sink_(sink), stream_name_(std::move(stream_name)) {}

  void OnStateChanged(kvs::UploadState state,
                      const std::string& reason) override;
  void OnAck(const kvs::FragmentAck& ack,
             const kvs::FragmentInfo* info) override;
  void OnFragmentSkipped(const kvs::FragmentInfo& info,
                         const kvs::Status& status) override;
  void OnRetry(const kvs::Status& status, int64_t delay_ms) override;
  void OnFatalError(const kvs::Status& status) override;
  void OnDrained(const kvs::Status& status) override;

 private:
  void Post(GstStructure* s);

  GstKvsSink* sink_;
  std::string stream_name_;
};

// The context of errors posted now (stream name, credential source).
ErrorContext ErrorContextOf(GstKvsSink* sink);

// kvssink_lifecycle.cc. StartStream() runs in READY->PAUSED and never waits
// for the network; StopStream() aborts (< 1 s) once no chain function runs.
bool StartStream(GstKvsSink* sink);
void StopStream(GstKvsSink* sink);

// kvssink_pads.cc: the request pads' functions, and SendTracks(), which
// gives kvscore the tracks of every pad (those without caps as pending).
// Call SendTracks() with priv->mutex held, once the stream exists.
bool SendTracks(GstKvsSink* sink);
GstFlowReturn Chain(GstPad* pad, GstObject* parent, GstBuffer* buffer);
gboolean SinkEvent(GstPad* pad, GstObject* parent, GstEvent* event);
gboolean SinkQuery(GstPad* pad, GstObject* parent, GstQuery* query);

}  // namespace kvssink

#endif  // GST_KVSSINK_PRIVATE_H_
