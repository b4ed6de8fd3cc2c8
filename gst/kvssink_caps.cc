#include "gst/kvssink_caps.h"

#include <string>

namespace kvssink {

// Parsers choose their output format from these (CAPS queries), so they
// stay precise; AcceptsMediaType() lets other formats of the same media
// types reach the CAPS event, which names the parser to add.
const char kVideoCaps[] =
    "video/x-h264, stream-format = (string) { avc, avc3, byte-stream }, "
    "alignment = (string) au; "
    "video/x-h265, stream-format = (string) { hvc1, hev1, byte-stream }, "
    "alignment = (string) au";

const char kAudioCaps[] =
    "audio/mpeg, mpegversion = (int) { 2, 4 }, stream-format = (string) raw, "
    "rate = (int) [ 1, MAX ], channels = (int) [ 1, 8 ]; "
    "audio/x-alaw, rate = (int) [ 8000, 192000 ], channels = (int) [ 1, 2 ]; "
    "audio/x-mulaw, rate = (int) [ 8000, 192000 ], channels = (int) [ 1, 2 ]";

namespace {

std::vector<uint8_t> CodecData(const GstStructure* s) {
  const GValue* value = gst_structure_get_value(s, "codec_data");
  if (value == nullptr || !GST_VALUE_HOLDS_BUFFER(value)) return {};
  GstBuffer* buffer = gst_value_get_buffer(value);
  GstMapInfo map;
  if (buffer == nullptr || !gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    return {};
  }
  std::vector<uint8_t> bytes(map.data, map.data + map.size);
  gst_buffer_unmap(buffer, &map);
  return bytes;
}

kvs::Status Unsupported(const std::string& what, const char* parser) {
  return kvs::Status(kvs::StatusCode::kUnsupportedCodec,
                     what + ": add " + parser +
                         " before kvssink so it gets whole access units in a "
                         "format it packages");
}

// Formats the bare template structures let through, refused with a hint.
kvs::Status CheckFormat(const std::string& name, const GstStructure* s) {
  const char* format = gst_structure_get_string(s, "stream-format");
  const char* alignment = gst_structure_get_string(s, "alignment");
  std::string f = format != nullptr ? format : "(none)";
  if (name == "video/x-h264" || name == "video/x-h265") {
    const char* parser = name == "video/x-h264" ? "h264parse" : "h265parse";
    bool known = f == "avc" || f == "avc3" || f == "hvc1" || f == "hev1" ||
                 f == "byte-stream";
    if (!known || alignment == nullptr || !g_str_equal(alignment, "au")) {
      return Unsupported(name + " with stream-format " + f + " and alignment " +
                             (alignment != nullptr ? alignment : "(none)"),
                         parser);
    }
  } else if (name == "audio/mpeg" && f != "raw") {
    return Unsupported("AAC with stream-format " + f, "aacparse");
  }
  return kvs::Status::Ok();
}

}  // namespace

bool AcceptsMediaType(const GstCaps* caps, bool video) {
  if (caps == nullptr || gst_caps_get_size(caps) == 0) return false;
  const char* name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  if (video) {
    return g_str_equal(name, "video/x-h264") ||
           g_str_equal(name, "video/x-h265");
  }
  return g_str_equal(name, "audio/mpeg") || g_str_equal(name, "audio/x-alaw") ||
         g_str_equal(name, "audio/x-mulaw");
}

kvs::Result<kvs::TrackConfig> TrackConfigFromCaps(const GstCaps* caps) {
  if (caps == nullptr || gst_caps_get_size(caps) != 1) {
    return kvs::Status(kvs::StatusCode::kUnsupportedCodec,
                       "caps must be fixed");
  }
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  std::string name = gst_structure_get_name(s);
  kvs::TrackConfig config;
  if (name == "video/x-h264") {
    config.codec = kvs::TrackCodec::kH264;
  } else if (name == "video/x-h265") {
    config.codec = kvs::TrackCodec::kH265;
  } else if (name == "audio/mpeg") {
    config.codec = kvs::TrackCodec::kAac;
  } else if (name == "audio/x-alaw") {
    config.codec = kvs::TrackCodec::kALaw;
  } else if (name == "audio/x-mulaw") {
    config.codec = kvs::TrackCodec::kMuLaw;
  } else {
    return kvs::Status(kvs::StatusCode::kUnsupportedCodec,
                       "unsupported caps " + name);
  }
  KVS_RETURN_IF_ERROR(CheckFormat(name, s));
  config.codec_private = CodecData(s);
  const char* format = gst_structure_get_string(s, "stream-format");
  if (format != nullptr && g_str_equal(format, "byte-stream")) {
    // Annex-B: re-framed by kvscore; CodecPrivate from in-band SPS/PPS.
    config.annexb = true;
    config.codec_private.clear();
  }
  gst_structure_get_int(s, "width", &config.width);
  gst_structure_get_int(s, "height", &config.height);
  gst_structure_get_int(s, "rate", &config.rate);
  gst_structure_get_int(s, "channels", &config.channels);
  return config;
}

}  // namespace kvssink

namespace kvssink {

std::string MediaTypeFor(const std::vector<kvs::TrackConfig>& tracks) {
  std::string out;
  for (bool video : {true, false}) {
    for (const kvs::TrackConfig& t : tracks) {
      if (kvs::IsVideo(t.codec) != video) continue;
      const char* type = "";
      switch (t.codec) {
        case kvs::TrackCodec::kH264:
          type = "video/h264";
          break;
        case kvs::TrackCodec::kH265:
          type = "video/h265";
          break;
        case kvs::TrackCodec::kAac:
          type = "audio/aac";
          break;
        case kvs::TrackCodec::kALaw:
          type = "audio/alaw";
          break;
        case kvs::TrackCodec::kMuLaw:
          type = "audio/mulaw";
          break;
      }
      if (out.find(type) != std::string::npos) continue;
      if (!out.empty()) out += ",";
      out += type;
    }
  }
  return out;
}

}  // namespace kvssink
