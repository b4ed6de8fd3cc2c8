#include "kvscore/stream/packager.h"

#include <algorithm>
#include <cinttypes>
#include <limits>
#include <utility>

#include "kvscore/base/log.h"
#include "kvscore/codec/nal.h"
#include "kvscore/codec/parameter_sets.h"

namespace kvs {
namespace {

// ns -> ms, rounding toward negative infinity.
int64_t FloorMs(int64_t ns) {
  return ns >= 0 ? ns / kNsPerMs : -((-ns + kNsPerMs - 1) / kNsPerMs);
}

codec::VideoCodec VideoCodecOf(TrackCodec codec) {
  return codec == TrackCodec::kH265 ? codec::VideoCodec::kH265
                                    : codec::VideoCodec::kH264;
}

}  // namespace

Packager::Packager(PackagerConfig config, ContentStore* store)
    : config_(std::move(config)),
      store_(store),
      interleaver_(config_.max_interleave_wait_ns,
                   config_.max_interleave_span_ns) {}

Result<std::vector<TrackDescription>> Packager::SetTracks(
    const std::vector<TrackConfig>& tracks) {
  std::vector<TrackDescription> described;
  std::map<uint32_t, TrackState> next;
  for (const TrackConfig& config : tracks) {
    auto old = tracks_.find(config.number);
    TrackState state;
    if (old != tracks_.end()) {
      state = std::move(old->second);
    } else {
      // framerate: the duration of frames that carry none.
      SanitizerOptions options;
      options.default_duration_ns = config_.default_frame_duration_ns;
      state.sanitizer = TimestampSanitizer(options);
    }
    state.config = config;
    state.described = false;
    bool describable = !config.codec_private.empty() || !IsVideo(config.codec);
    if (!config.pending && describable) {
      Result<TrackDescription> d = DescribeTrack(config);
      if (!d.ok()) return d.status();
      state.description = *d;
      state.described = true;
      described.push_back(std::move(d).value());
    }
    next.emplace(config.number, std::move(state));
  }
  for (const auto& t : tracks_) {
    if (next.count(t.first) == 0) interleaver_.RemoveTrack(t.first);
  }
  for (const TrackConfig& config : tracks) {
    interleaver_.AddTrack(config.number, IsVideo(config.codec));
  }
  tracks_ = std::move(next);
  header_dirty_ = true;
  return described;
}

bool Packager::HasVideo() const {
  for (const auto& t : tracks_) {
    if (IsVideo(t.second.config.codec) && t.second.described) return true;
  }
  return false;
}

Status Packager::PutFrame(Frame frame, int64_t now_mono_ns) {
  if (tracks_.empty()) {
    return Status(StatusCode::kFailedPrecondition, "no tracks configured");
  }
  auto it = tracks_.find(frame.track);
  if (it == tracks_.end() || !frame.data || frame.data->size() == 0) {
    ++counters_.dropped_frames;
    return Status(StatusCode::kInvalidArgument,
                  "frame for unknown track " + std::to_string(frame.track) +
                      " or without data");
  }
  if (!IsVideo(it->second.config.codec)) frame.flags |= kFrameFlagKey;
  TimestampSanitizer& sanitizer = it->second.sanitizer;
  sanitizer.Repair(&frame, &counters_.repairs, now_mono_ns);
  if (frame.pts == kNoTimestamp) {
    ++counters_.dropped_frames;
    ++counters_.repairs.dropped;
    return Status(StatusCode::kInvalidTimestamp, "frame has no PTS or DTS");
  }
  interleaver_.Push(std::move(frame), now_mono_ns);
  Status first_error;
  Frame ready;
  while (interleaver_.Pop(&ready, now_mono_ns)) {
    Status s = Write(std::move(ready), now_mono_ns);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

Status Packager::DescribeFromKeyFrame(TrackState* track, const Frame& frame) {
  int framing = track->config.annexb ? codec::kAnnexB : 4;
  Result<std::vector<uint8_t>> cpd = codec::BuildCodecPrivateFromAccessUnit(
      VideoCodecOf(track->config.codec), frame.data->span(), framing);
  if (!cpd.ok()) return cpd.status();
  TrackConfig config = track->config;
  config.codec_private = std::move(cpd).value();
  Result<TrackDescription> d = DescribeTrack(config);
  if (!d.ok()) return d.status();
  KVS_LOG_INFO("track %u: CodecPrivate built from in-band parameter sets: %s",
               config.number, d->summary.c_str());
  track->config.codec_private = config.codec_private;
  track->description = std::move(d).value();
  track->described = true;
  header_dirty_ = true;
  return Status::Ok();
}

std::vector<uint32_t> Packager::WantedHeader(const Frame& first) const {
  // A fragment that starts at `first` lists the tracks sure to have a frame
  // in it (KVS rejects one with a header track missing, 4011): `first`'s,
  // and the active ones. Every active track has a frame queued in the
  // interleaver (that is when it releases `first`), due next unless it is
  // beyond the longest fragment (released by the media-span bound).
  int64_t horizon = first.pts + config_.max_fragment_ns;
  std::vector<uint32_t> ids;
  for (bool video : {true, false}) {
    for (const auto& t : tracks_) {
      if (IsVideo(t.second.config.codec) != video || !t.second.described) {
        continue;
      }
      if (t.first == first.track || (interleaver_.Active(t.first) &&
                                     interleaver_.HeadKey(t.first) < horizon)) {
        ids.push_back(t.first);
      }
    }
  }
  return ids;
}

bool Packager::FragmentLacksActiveTrack(const Frame& frame) const {
  for (uint32_t id : header_tracks_) {
    const TrackState& t = tracks_.at(id);
    if (t.frames_in_fragment > 0) continue;
    if (id == frame.track || interleaver_.Active(id)) return true;
  }
  return false;
}

bool Packager::WantsNewFragment(const TrackState& track, const Frame& frame,
                                bool* forced) const {
  *forced = false;
  bool video = IsVideo(track.config.codec);
  bool video_stream = HasVideo();
  bool eligible = frame.key() && (video || !video_stream);
  if (!fragment_open_ || drop_until_key_) return eligible;
  int64_t elapsed = frame.pts - fragment_start_ns_;
  int64_t offset_ms = FloorMs(frame.pts) - FloorMs(fragment_start_ns_);
  int64_t duration = frame.duration != kNoTimestamp ? frame.duration : 0;
  bool too_long =
      elapsed + duration > config_.max_fragment_ns ||
      offset_ms > std::numeric_limits<int16_t>::max() ||
      fragment_bytes_ + frame.data->size() > config_.max_fragment_bytes;
  if (too_long) {
    *forced = !eligible;
    return true;
  }
  if (!eligible) return false;
  // Frames presented after this key frame are already in the fragment
  // (a pad ran ahead): cutting here would overlap them; wait.
  if (frame.pts <= fragment_max_pts_) return false;
  // A header track that can still deliver has no frame in the fragment
  // yet (it stalled right after the fragment began): closing now would
  // get the fragment rejected (4011); it grows until the track delivers
  // or the fragment limits force the cut.
  if (FragmentLacksActiveTrack(frame)) return false;
  // New codec data is applied at once (a caps change); a track joining or
  // leaving waits for the normal boundary, so flapping pads can't churn
  // PutMedia sessions.
  if (header_dirty_ && elapsed >= 0) return true;
  if (!video_stream || !config_.key_frame_fragmentation) {
    return elapsed >= config_.fragment_duration_ns;
  }
  return elapsed >= config_.min_fragment_ns;
}

Status Packager::Write(Frame frame, int64_t now_mono_ns) {
  auto it = tracks_.find(frame.track);
  if (it == tracks_.end()) return Status::Ok();  // Track removed meanwhile.
  TrackState& track = it->second;
  if (!track.described) {
    if (!frame.key() || !DescribeFromKeyFrame(&track, frame).ok()) {
      ++counters_.dropped_frames;
      ++counters_.waiting_for_key;
      return Status::Ok();  // Waiting for a key frame with parameter sets.
    }
  }
  bool forced = false;
  if (WantsNewFragment(track, frame, &forced)) {
    if (forced) {
      ++counters_.forced_cuts;
      KVS_LOG_WARNING(
          "no key frame within the fragment limits: fragment cut "
          "at a delta frame (pts %" PRId64 " ns)",
          frame.pts);
    }
    KVS_RETURN_IF_ERROR(StartFragment(frame, frame.pts, now_mono_ns));
  } else if (!fragment_open_ || drop_until_key_) {
    ++counters_.dropped_frames;
    ++counters_.waiting_for_key;
    return Status::Ok();
  }
  if (track.mkv_number == 0) {    // Not in this fragment's header (it joined
    ++counters_.dropped_frames;   // late or was silent): the next header
    ++counters_.repairs.dropped;  // will hold it.
    return Status::Ok();
  }
  return AppendBlock(&track, frame, frame.pts, now_mono_ns);
}

Status Packager::InstallHeader(const std::vector<uint32_t>& ids) {
  std::vector<mkv::TrackEntry> entries;
  for (auto& t : tracks_) t.second.mkv_number = 0;
  for (uint32_t id : ids) {
    TrackState& t = tracks_.at(id);
    mkv::TrackEntry entry = t.description.entry;
    entry.number = entry.uid = static_cast<uint32_t>(entries.size() + 1);
    t.mkv_number = static_cast<uint32_t>(entry.number);
    entries.push_back(std::move(entry));
  }
  Result<std::vector<uint8_t>> header =
      mkv::SessionHeader(config_.segment, entries);
  if (!header.ok()) return header.status();
  if (header_id_ > 0) ++counters_.header_changes;
  store_->SetHeader(++header_id_, MakeBytes(std::move(header).value()));
  header_tracks_ = ids;
  header_dirty_ = false;
  return Status::Ok();
}

Status Packager::StartFragment(const Frame& frame, int64_t pts,
                               int64_t now_mono_ns) {
  std::vector<uint32_t> ids = WantedHeader(frame);
  if (header_dirty_ || ids != header_tracks_) {
    KVS_RETURN_IF_ERROR(InstallHeader(ids));
  }
  if (origin_ns_.load() == kNoTimestamp) origin_ns_.store(pts);
  int64_t base = config_.absolute_fragment_times ? 0 : origin_ns_.load();
  int64_t cluster_ms = FloorMs(pts - base);
  if (cluster_ms < 0) {
    return Status(StatusCode::kInvalidTimestamp,
                  "fragment timestamp before the epoch or stream start");
  }
  std::vector<Piece> pieces;
  std::vector<mkv::SimpleTag> tags = metadata_.TakeForFragment();
  if (!tags.empty()) pieces.push_back(Piece::Copy(mkv::TagsElement(tags)));
  pieces.push_back(Piece::Copy(mkv::ClusterStart(cluster_ms)));
  KVS_RETURN_IF_ERROR(
      store_->BeginFragment(cluster_ms, std::move(pieces), now_mono_ns));
  if (fragment_open_) previous_max_pts_ = fragment_max_pts_;
  fragment_open_ = true;
  drop_until_key_ = false;
  fragment_start_ns_ = pts;
  cluster_ms_ = cluster_ms;
  fragment_bytes_ = 0;
  fragment_max_pts_ = pts;
  for (auto& t : tracks_) t.second.frames_in_fragment = 0;
  ++counters_.fragments;
  return Status::Ok();
}

Status Packager::AppendBlock(TrackState* track, const Frame& frame, int64_t pts,
                             int64_t now_mono_ns) {
  if (previous_max_pts_ != kNoTimestamp &&
      FloorMs(pts) <= FloorMs(previous_max_pts_)) {
    // KVS: a fragment's frames must all come after the previous one's.
    pts = (FloorMs(previous_max_pts_) + 1) * kNsPerMs;
    ++counters_.repairs.nudged;
  }
  int64_t base = config_.absolute_fragment_times ? 0 : origin_ns_.load();
  int64_t relative = FloorMs(pts - base) - cluster_ms_;
  if (relative < std::numeric_limits<int16_t>::min()) {
    ++counters_.dropped_frames;
    ++counters_.repairs.dropped;
    return Status(StatusCode::kInvalidTimestamp,
                  "frame is " + std::to_string(-relative) +
                      " ms before its fragment; SimpleBlock offsets must fit "
                      "in int16");
  }
  BytesRef payload_bytes = frame.data;
  if (track->config.annexb) {
    // Byte-stream input: re-framed with 4-byte lengths (the one copy).
    Result<std::vector<uint8_t>> framed =
        codec::AnnexBToLengthPrefixed(frame.data->span(), 4);
    if (!framed.ok()) {
      ++counters_.dropped_frames;
      return framed.status();
    }
    payload_bytes = MakeBytes(std::move(framed).value());
  }
  uint8_t flags = frame.key() ? mkv::kBlockFlagKeyframe : 0;
  if (frame.flags & kFrameFlagDiscardable) flags |= mkv::kBlockFlagDiscardable;
  if (frame.flags & kFrameFlagInvisible) flags |= mkv::kBlockFlagInvisible;
  Piece payload = Piece::Ref(payload_bytes);  // By reference: no copy.
  payload.stamp_ns = now_mono_ns;
  mkv::SimpleBlockHeaderBytes header = mkv::MakeSimpleBlockHeader(
      track->mkv_number, static_cast<int16_t>(relative), flags,
      payload_bytes->size());
  Status appended = store_->AppendFrame(Piece::Inline(header.data, header.size),
                                        std::move(payload));
  if (!appended.ok()) {
    ++counters_.dropped_frames;
    drop_until_key_ = true;
    return appended;
  }
  fragment_bytes_ += payload_bytes->size();
  fragment_max_pts_ = std::max(fragment_max_pts_, pts);
  ++track->frames_in_fragment;
  ++counters_.frames;
  return Status::Ok();
}

Status Packager::PutMetadata(const std::string& name, const std::string& value,
                             bool persistent) {
  return metadata_.Add(name, value, persistent);
}

void Packager::EndTrack(uint32_t track, int64_t now_mono_ns) {
  interleaver_.EndTrack(track);
  Frame ready;
  while (interleaver_.Pop(&ready, now_mono_ns)) {
    Write(std::move(ready), now_mono_ns);
  }
}

void Packager::EndOpenFragment(bool with_end_tag) {
  if (!fragment_open_) return;
  std::vector<Piece> trailer;
  if (with_end_tag) {
    trailer.push_back(Piece::Ref(mkv::SharedEndOfFragmentTags()));
  }
  store_->EndFragment(std::move(trailer));
  previous_max_pts_ = fragment_max_pts_;
  fragment_open_ = false;
}

void Packager::Flush() {
  std::vector<Frame> dropped;
  interleaver_.Drain(&dropped);
  counters_.dropped_frames += dropped.size();
  EndOpenFragment(/*with_end_tag=*/true);
}

void Packager::CloseFragment() { EndOpenFragment(/*with_end_tag=*/true); }

void Packager::Finish() {
  std::vector<Frame> rest;
  interleaver_.Drain(&rest);
  for (Frame& frame : rest) Write(std::move(frame), 0);
  EndOpenFragment(/*with_end_tag=*/true);
  store_->Finish();
}

}  // namespace kvs
