// tests/element/kvssink_harness.h: support for kvssink element tests.
//
// KvsLocalProcess starts emulator/kvslocal (/usr/bin/python3) on a free
// loopback port for one test and stops it; Json fetches its admin API.
// AccessUnits cuts real H.264 access units from ../shared/media.
#ifndef TESTS_ELEMENT_KVSSINK_HARNESS_H_
#define TESTS_ELEMENT_KVSSINK_HARNESS_H_

#include <glib.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <string>
#include <vector>

namespace kvs_test {

class KvsLocalProcess {
 public:
  KvsLocalProcess();  // Starts it; url() is empty if it failed.
  ~KvsLocalProcess();
  const std::string& url() const { return url_; }
  // GET <url>/_kvslocal<path>, parsed; nullptr on failure. Caller unrefs.
  JsonNode* Get(const std::string& path) const;
  // Number of fragments kvslocal stored for `stream`.
  int Fragments(const std::string& stream) const;
  // Frames kvslocal stored on MKV track `track` of `stream`, over every
  // fragment; -1 on failure.
  int FramesOnTrack(const std::string& stream, int track) const;

 private:
  GPid pid_ = 0;
  std::string url_;
};

// The first `count` access units of the shared Annex-B H.264 file
// (AUD-delimited; 25 fps, an IDR every 45 frames), as byte-stream buffers
// with PTS/DTS 40 ms apart and the key flags of the index.
std::vector<GstBuffer*> H264AccessUnits(size_t count);

// "video/x-h264, stream-format=byte-stream, alignment=au, ..."
GstCaps* H264ByteStreamCaps();

// Waits (bounded by a hang guard) for a message of `types` on `bus`.
GstMessage* PopMessage(GstBus* bus, GstMessageType types);

}  // namespace kvs_test

#endif  // TESTS_ELEMENT_KVSSINK_HARNESS_H_
