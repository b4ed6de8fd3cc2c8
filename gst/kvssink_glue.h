// gst/kvssink_glue.h: the few places where GStreamer and kvscore meet.
//
//   - BytesFromBuffer(): a GstBuffer as kvscore Bytes, zero-copy where safe;
//   - InstallLogSink(): kvscore's log hook -> the `kvssink` debug category;
//   - PostStatusError(): the one mapping of a kvscore Status to a
//     GST_ELEMENT_ERROR_WITH_DETAILS (STYLE.md item 9).
#ifndef GST_KVSSINK_GLUE_H_
#define GST_KVSSINK_GLUE_H_

#include <gst/gst.h>

#include <string>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

GST_DEBUG_CATEGORY_EXTERN(gst_kvs_sink_debug);

namespace kvssink {

// The buffer's bytes as kvscore Bytes.
//
// Zero-copy: a buffer that does not belong to a GstBufferPool is mapped and
// referenced; the reference is dropped (and the memory unmapped) when the
// store frees the fragment, on whichever thread that happens. A pooled
// buffer (e.g. from a hardware encoder or v4l2src) is copied once instead:
// holding it for the seconds a fragment waits for its ACK would starve the
// pool and stall the producer. Returns null if the buffer can't be mapped.
kvs::BytesRef BytesFromBuffer(GstBuffer* buffer, bool* copied);

// Routes kvscore's logging to the kvssink debug category. Idempotent.
void InstallLogSink();

// What an error message knows about its situation.
struct ErrorContext {
  std::string stream_name;
  // The credential source of the last credentials used ("properties",
  // "credential-file", ...), when known.
  std::string credentials_source;
  // The application configured a credential source explicitly.
  bool explicit_credentials = false;
};

// What the user should check for a failure of this kind; empty if none.
std::string HintFor(const kvs::Status& status, const ErrorContext& context);

// Posts `status` as an element error with details http-status-code,
// kvs-error-id, aws-error-type and stream-name (where known). `what` says
// what was being done ("Streaming to Kinesis Video Streams").
void PostStatusError(GstElement* element, const kvs::Status& status,
                     const std::string& what, const ErrorContext& context);

}  // namespace kvssink

#endif  // GST_KVSSINK_GLUE_H_
