// gst/kvssink_caps.h: pad template caps and negotiated caps -> TrackConfig.
#ifndef GST_KVSSINK_CAPS_H_
#define GST_KVSSINK_CAPS_H_

#include <gst/gst.h>

#include <string>
#include <vector>

#include "kvscore/base/status.h"
#include "kvscore/stream/track.h"

namespace kvssink {

// video_%u: H.264 (avc, avc3) and H.265 (hvc1, hev1), one access unit per
// buffer. Byte-stream input needs h264parse/h265parse in front.
extern const char kVideoCaps[];
// audio_%u: raw AAC (MPEG-2/4, with codec_data), A-law and µ-law.
extern const char kAudioCaps[];

// For ACCEPT_CAPS queries: true for any caps of the pad's media types
// (H.264/H.265, or AAC/A-law/mu-law), so caps outside the templates reach
// the CAPS event and fail there with a message naming the parser to add.
bool AcceptsMediaType(const GstCaps* caps, bool video);

// Reads a pad's negotiated caps. Errors: kUnsupportedCodec for caps outside
// the templates (with the parser to add); codec data is validated later by
// kvs::DescribeTrack.
kvs::Result<kvs::TrackConfig> TrackConfigFromCaps(const GstCaps* caps);

// The KVS MediaType for a set of tracks, video first: "video/h264",
// "video/h265,audio/aac", "audio/alaw", ... (kvs-spec.md section 3).
std::string MediaTypeFor(const std::vector<kvs::TrackConfig>& tracks);

}  // namespace kvssink

#endif  // GST_KVSSINK_CAPS_H_
