#include "kvscore/mkv/mkv_writer.h"

#include <set>

#include "kvscore/mkv/ebml.h"

namespace kvs {
namespace mkv {
namespace {

constexpr size_t kMaxTracks = 3;  // kvs-spec.md section 2, limits.

std::vector<uint8_t> EbmlHeader() {
  std::vector<uint8_t> children;
  AppendUint(&children, kEbmlVersion, 1);
  AppendUint(&children, kEbmlReadVersion, 1);
  AppendUint(&children, kEbmlMaxIdLength, 4);
  AppendUint(&children, kEbmlMaxSizeLength, 8);
  AppendString(&children, kDocType, "matroska");
  AppendUint(&children, kDocTypeVersion, 2);
  AppendUint(&children, kDocTypeReadVersion, 2);
  std::vector<uint8_t> out;
  AppendMaster(&out, kEbml, children);
  return out;
}

std::vector<uint8_t> InfoElement(const SegmentInfo& info) {
  std::vector<uint8_t> children;
  AppendBinary(&children, kSegmentUid,
               ByteSpan(info.segment_uid.data(), info.segment_uid.size()));
  AppendUint(&children, kTimestampScale, info.timestamp_scale_ns);
  AppendString(&children, kTitle, info.title);
  AppendString(&children, kMuxingApp, info.muxing_app);
  AppendString(&children, kWritingApp, info.writing_app);
  std::vector<uint8_t> out;
  AppendMaster(&out, kInfo, children);
  return out;
}

std::vector<uint8_t> TrackEntryElement(const TrackEntry& track) {
  std::vector<uint8_t> children;
  AppendUint(&children, kTrackNumber, track.number);
  AppendUint(&children, kTrackUid, track.uid);
  AppendUint(&children, kTrackType, static_cast<uint8_t>(track.type));
  AppendUint(&children, kFlagLacing, 0);  // SimpleBlocks are never laced.
  if (!track.name.empty()) AppendString(&children, kName, track.name);
  AppendString(&children, kCodecId, track.codec_id);
  if (track.type == TrackType::kVideo && track.pixel_width > 0 &&
      track.pixel_height > 0) {
    std::vector<uint8_t> video;
    AppendUint(&video, kPixelWidth, track.pixel_width);
    AppendUint(&video, kPixelHeight, track.pixel_height);
    AppendMaster(&children, kVideo, video);
  }
  if (track.type == TrackType::kAudio && track.sampling_frequency_hz > 0) {
    std::vector<uint8_t> audio;
    AppendFloat(&audio, kSamplingFrequency, track.sampling_frequency_hz);
    AppendUint(&audio, kChannels, track.channels > 0 ? track.channels : 1);
    if (track.bit_depth > 0) AppendUint(&audio, kBitDepth, track.bit_depth);
    AppendMaster(&children, kAudio, audio);
  }
  if (!track.codec_private.empty()) {
    AppendBinary(&children, kCodecPrivate, track.codec_private);
  }
  std::vector<uint8_t> out;
  AppendMaster(&out, kTrackEntry, children);
  return out;
}

Status ValidateTracks(const std::vector<TrackEntry>& tracks) {
  if (tracks.empty() || tracks.size() > kMaxTracks) {
    return Status(StatusCode::kInvalidArgument,
                  "an MKV session needs 1 to 3 tracks, got " +
                      std::to_string(tracks.size()));
  }
  std::set<uint64_t> numbers;
  for (const TrackEntry& t : tracks) {
    if (t.number < 1 || t.number > 127 || !numbers.insert(t.number).second) {
      return Status(StatusCode::kInvalidArgument,
                    "track numbers must be unique and in 1..127, got " +
                        std::to_string(t.number));
    }
    if (t.codec_id.empty() || t.uid == 0) {
      return Status(StatusCode::kInvalidArgument,
                    "track " + std::to_string(t.number) +
                        " needs a codec id and a non-zero uid");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<uint8_t>> SessionHeader(
    const SegmentInfo& info, const std::vector<TrackEntry>& tracks) {
  KVS_RETURN_IF_ERROR(ValidateTracks(tracks));
  std::vector<uint8_t> out = EbmlHeader();
  AppendId(&out, kSegment);
  AppendUnknownSize(&out);
  std::vector<uint8_t> info_bytes = InfoElement(info);
  out.insert(out.end(), info_bytes.begin(), info_bytes.end());
  std::vector<uint8_t> entries;
  for (const TrackEntry& track : tracks) {
    std::vector<uint8_t> entry = TrackEntryElement(track);
    entries.insert(entries.end(), entry.begin(), entry.end());
  }
  AppendMaster(&out, kTracks, entries);
  return out;
}

std::vector<uint8_t> ClusterStart(int64_t timecode) {
  std::vector<uint8_t> out;
  out.reserve(16);
  AppendId(&out, kCluster);
  AppendUnknownSize(&out);
  AppendUint(&out, kTimestamp, static_cast<uint64_t>(timecode));
  return out;
}

SimpleBlockHeaderBytes MakeSimpleBlockHeader(uint64_t track, int16_t relative,
                                             uint8_t flags,
                                             size_t payload_size) {
  // ID (1) + size VINT (<= 8) + track VINT (1) + int16 (2) + flags (1).
  SimpleBlockHeaderBytes out;
  out.data[out.size++] = 0xA3;  // SimpleBlock.
  uint64_t size = 4 + payload_size;
  int length = VintLength(size);
  uint64_t vint = (uint64_t{1} << (7 * length)) | size;
  for (int i = length - 1; i >= 0; --i) {
    out.data[out.size++] = static_cast<uint8_t>(vint >> (8 * i));
  }
  out.data[out.size++] = static_cast<uint8_t>(0x80 | track);  // 1-byte VINT.
  uint16_t bits = static_cast<uint16_t>(relative);
  out.data[out.size++] = static_cast<uint8_t>(bits >> 8);
  out.data[out.size++] = static_cast<uint8_t>(bits);
  out.data[out.size++] = flags;
  return out;
}

std::vector<uint8_t> SimpleBlockHeader(uint64_t track, int16_t relative,
                                       uint8_t flags, size_t payload_size) {
  std::vector<uint8_t> out;
  out.reserve(16);
  AppendId(&out, kSimpleBlock);
  AppendSize(&out, 4 + payload_size);
  AppendSize(&out, track);  // Track number as a 1-byte VINT (0x80 | n).
  uint16_t bits = static_cast<uint16_t>(relative);
  out.push_back(static_cast<uint8_t>(bits >> 8));
  out.push_back(static_cast<uint8_t>(bits));
  out.push_back(flags);
  return out;
}

std::vector<uint8_t> TagsElement(const std::vector<SimpleTag>& tags) {
  std::vector<uint8_t> tag_children;
  for (const SimpleTag& simple : tags) {
    std::vector<uint8_t> simple_children;
    AppendString(&simple_children, kTagName, simple.first);
    AppendString(&simple_children, kTagString, simple.second);
    AppendMaster(&tag_children, kSimpleTag, simple_children);
  }
  std::vector<uint8_t> tag;
  AppendMaster(&tag, kTag, tag_children);
  std::vector<uint8_t> out;
  AppendMaster(&out, kTags, tag);
  return out;
}

std::vector<uint8_t> EndOfFragmentTags() {
  return TagsElement({{kEndOfFragmentTag, ""}});
}

const BytesRef& SharedEndOfFragmentTags() {
  static const BytesRef* tags = new BytesRef(MakeBytes(EndOfFragmentTags()));
  return *tags;
}

}  // namespace mkv
}  // namespace kvs
