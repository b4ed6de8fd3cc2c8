// gst/plugin.cc: the kvssink plugin.
#include <gst/gst.h>

#include "gst/gstkvssink.h"

#ifndef PACKAGE
#define PACKAGE "kvssink"
#endif

static gboolean plugin_init(GstPlugin* plugin) {
  return GST_ELEMENT_REGISTER(kvssink, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, kvssink,
                  "Upload H.264/H.265 video and AAC/G.711 audio to Amazon "
                  "Kinesis Video Streams",
                  plugin_init, KVSSINK_VERSION, "LGPL", "kvssink",
                  "https://github.com/kvssink/kvssink")
