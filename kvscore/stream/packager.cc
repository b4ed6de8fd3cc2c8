#include "kvscore/stream/packager.h"

#include <limits>
#include <utility>

namespace kvs {
namespace {

// ns -> ms, rounding toward negative infinity.
int64_t FloorMs(int64_t ns) {
  return ns >= 0 ? ns / kNsPerMs : -((-ns + kNsPerMs - 1) / kNsPerMs);
}

}  // namespace

Packager::Packager(PackagerConfig config, ContentStore* store)
    : config_(std::move(config)), store_(store) {}

Status Packager::SetTracks(std::vector<mkv::TrackEntry> tracks) {
  Result<std::vector<uint8_t>> header =
      mkv::SessionHeader(config_.segment, tracks);
  if (!header.ok()) return header.status();
  tracks_ = std::move(tracks);
  store_->SetHeader(++header_id_, MakeBytes(std::move(header).value()));
  header_pending_ = true;
  return Status::Ok();
}

bool Packager::HasVideo() const {
  for (const mkv::TrackEntry& t : tracks_) {
    if (t.type == mkv::TrackType::kVideo) return true;
  }
  return false;
}

bool Packager::StartsFragment(const Frame& frame, int64_t pts) const {
  if (!fragment_open_ || header_pending_) return true;
  bool video = HasVideo();
  const mkv::TrackEntry* track = nullptr;
  for (const mkv::TrackEntry& t : tracks_) {
    if (t.number == frame.track) track = &t;
  }
  bool eligible =
      frame.key() && (!video || track->type == mkv::TrackType::kVideo);
  if (!eligible) return false;
  if (drop_until_key_) return true;  // Restart cleanly after a dropped frame.
  if (config_.key_frame_fragmentation && video) return true;
  return pts - fragment_start_ns_ >= config_.fragment_duration_ns;
}

Status Packager::BeginFragment(int64_t pts, int64_t now_mono_ns) {
  if (origin_ns_ == kNoTimestamp) origin_ns_ = pts;
  int64_t base = config_.absolute_fragment_times ? 0 : origin_ns_;
  int64_t cluster_ms = FloorMs(pts - base);
  if (cluster_ms < 0) {
    return Status(StatusCode::kInvalidTimestamp,
                  "fragment timestamp before the epoch or stream start");
  }
  KVS_RETURN_IF_ERROR(store_->BeginFragment(
      cluster_ms, {Piece::Copy(mkv::ClusterStart(cluster_ms))}, now_mono_ns));
  fragment_open_ = true;
  header_pending_ = false;
  fragment_start_ns_ = pts;
  cluster_ms_ = cluster_ms;
  ++counters_.fragments;
  return Status::Ok();
}

Status Packager::PutFrame(const Frame& frame, int64_t now_mono_ns) {
  if (tracks_.empty()) {
    return Status(StatusCode::kFailedPrecondition, "no tracks configured");
  }
  bool known_track = false;
  for (const mkv::TrackEntry& t : tracks_)
    known_track |= t.number == frame.track;
  if (!known_track || !frame.data || frame.data->size() == 0) {
    ++counters_.dropped_frames;
    return Status(StatusCode::kInvalidArgument,
                  "frame for unknown track " + std::to_string(frame.track) +
                      " or without data");
  }
  int64_t pts = frame.pts != kNoTimestamp ? frame.pts : frame.dts;
  if (pts == kNoTimestamp) {
    ++counters_.dropped_frames;
    return Status(StatusCode::kInvalidTimestamp, "frame has no PTS or DTS");
  }
  bool starts = StartsFragment(frame, pts);
  if (drop_until_key_ || !fragment_open_) {
    if (!starts || !frame.key()) {
      ++counters_.dropped_frames;
      ++counters_.waiting_for_key;
      return Status::Ok();  // Not an error: waiting for a decodable start.
    }
  }
  if (starts) {
    KVS_RETURN_IF_ERROR(BeginFragment(pts, now_mono_ns));
    drop_until_key_ = false;
  }
  int64_t base = config_.absolute_fragment_times ? 0 : origin_ns_;
  int64_t relative = FloorMs(pts - base) - cluster_ms_;
  if (relative < std::numeric_limits<int16_t>::min() ||
      relative > std::numeric_limits<int16_t>::max()) {
    ++counters_.dropped_frames;
    return Status(StatusCode::kInvalidTimestamp,
                  "frame is " + std::to_string(relative) +
                      " ms from its fragment start; SimpleBlock offsets must "
                      "fit in int16");
  }
  uint8_t flags = frame.key() ? mkv::kBlockFlagKeyframe : 0;
  if (frame.flags & kFrameFlagDiscardable) flags |= mkv::kBlockFlagDiscardable;
  if (frame.flags & kFrameFlagInvisible) flags |= mkv::kBlockFlagInvisible;
  Piece payload = Piece::Ref(frame.data);  // By reference: no copy.
  payload.stamp_ns = now_mono_ns;
  Status appended =
      store_->AppendFrame(Piece::Copy(mkv::SimpleBlockHeader(
                              frame.track, static_cast<int16_t>(relative),
                              flags, frame.data->size())),
                          std::move(payload));
  if (!appended.ok()) {
    ++counters_.dropped_frames;
    drop_until_key_ = true;
    return appended;
  }
  ++counters_.frames;
  return Status::Ok();
}

void Packager::CloseFragment() {
  if (!fragment_open_) return;
  store_->EndFragment({Piece::Copy(mkv::EndOfFragmentTags())});
  fragment_open_ = false;
}

void Packager::Finish() {
  if (fragment_open_) {
    store_->EndFragment({Piece::Copy(mkv::EndOfFragmentTags())});
    fragment_open_ = false;
  }
  store_->Finish();
}

}  // namespace kvs
