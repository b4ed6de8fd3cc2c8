// gst/gstkvssink.h: the kvssink element.
//
// A sink with request pads video_%u (H.264/H.265) and audio_%u (AAC, A-law,
// µ-law) that packages what it receives as MKV fragments and uploads them
// to Amazon Kinesis Video Streams with PutMedia, through kvscore.
#ifndef GST_GSTKVSSINK_H_
#define GST_GSTKVSSINK_H_

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_KVS_SINK (gst_kvs_sink_get_type())
G_DECLARE_FINAL_TYPE(GstKvsSink, gst_kvs_sink, GST, KVS_SINK, GstElement)

GST_ELEMENT_REGISTER_DECLARE(kvssink);

G_END_DECLS

#endif  // GST_GSTKVSSINK_H_
