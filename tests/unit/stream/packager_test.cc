#include "kvscore/stream/packager.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kvscore/mkv/ebml.h"

namespace kvs {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr int64_t kEpochMs = 1700000000000;  // A producer time, ms.

Frame MakeFrame(int64_t pts_ms, bool key, uint8_t fill, uint32_t track = 1) {
  Frame f;
  f.track = track;
  f.flags = key ? kFrameFlagKey : kFrameFlagNone;
  f.pts = f.dts = pts_ms * kNsPerMs;
  f.data = MakeBytes(Bytes(3, fill));
  return f;
}

class PackagerTest : public ::testing::Test {
 protected:
  void SetUpTracks(bool with_audio = false) {
    mkv::TrackEntry video;
    video.codec_id = "V_MPEG4/ISO/AVC";
    std::vector<mkv::TrackEntry> tracks = {video};
    if (with_audio) {
      mkv::TrackEntry audio;
      audio.number = audio.uid = 2;
      audio.type = mkv::TrackType::kAudio;
      audio.codec_id = "A_AAC";
      tracks.push_back(audio);
    }
    ASSERT_TRUE(packager_.SetTracks(tracks).ok());
    header_ = mkv::SessionHeader(config_.segment, tracks).value();
  }
  Bytes Body() {
    UploadCursor cursor = store_.OpenCursor();
    Bytes out(1 << 16);
    ReadState state;
    size_t n = store_.Read(&cursor, out.data(), out.size(), &state);
    out.resize(n);
    return out;
  }
  static void Append(Bytes* out, const Bytes& more) {
    out->insert(out->end(), more.begin(), more.end());
  }
  static Bytes Block(int16_t rel, bool key, uint8_t fill, uint64_t track = 1) {
    Bytes b = mkv::SimpleBlockHeader(track, rel, key ? 0x80 : 0x00, 3);
    Append(&b, Bytes(3, fill));
    return b;
  }

  PackagerConfig config_;
  ContentStore store_{1 << 20, FreeRule::kOnPersisted};
  Packager packager_{config_, &store_};
  Bytes header_;
};

TEST_F(PackagerTest, RequiresTracks) {
  EXPECT_EQ(packager_.PutFrame(MakeFrame(kEpochMs, true, 1), 0).code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PackagerTest, KeyFramesStartClustersAndEarlierFramesWait) {
  SetUpTracks();
  ASSERT_TRUE(packager_.PutFrame(MakeFrame(kEpochMs - 40, false, 9), 0).ok());
  ASSERT_TRUE(packager_.PutFrame(MakeFrame(kEpochMs, true, 1), 0).ok());
  ASSERT_TRUE(packager_.PutFrame(MakeFrame(kEpochMs + 40, false, 2), 0).ok());
  ASSERT_TRUE(packager_.PutFrame(MakeFrame(kEpochMs + 80, true, 3), 0).ok());
  packager_.Finish();
  Bytes expected = header_;
  Append(&expected, mkv::ClusterStart(kEpochMs));
  Append(&expected, Block(0, true, 1));
  Append(&expected, Block(40, false, 2));
  Append(&expected, mkv::ClusterStart(kEpochMs + 80));
  Append(&expected, Block(0, true, 3));
  Append(&expected, mkv::EndOfFragmentTags());
  EXPECT_EQ(Body(), expected);
  EXPECT_EQ(packager_.counters().frames, 3u);
  EXPECT_EQ(packager_.counters().fragments, 2u);
  EXPECT_EQ(packager_.counters().waiting_for_key, 1u);
}

TEST_F(PackagerTest, DurationFragmentationWaitsForKeyFrameAfterDuration) {
  config_.key_frame_fragmentation = false;
  config_.fragment_duration_ns = 1000 * kNsPerMs;
  Packager packager(config_, &store_);
  mkv::TrackEntry video;
  video.codec_id = "V_MPEG4/ISO/AVC";
  ASSERT_TRUE(packager.SetTracks({video}).ok());
  for (int i = 0; i < 6; ++i) {  // Key frames every 400 ms.
    ASSERT_TRUE(
        packager.PutFrame(MakeFrame(kEpochMs + 400 * i, true, i), 0).ok());
  }
  EXPECT_EQ(packager.counters().fragments, 2u);  // At 0 and at 1200 ms.
}

TEST_F(PackagerTest, RelativeFragmentTimes) {
  config_.absolute_fragment_times = false;
  Packager packager(config_, &store_);
  mkv::TrackEntry video;
  video.codec_id = "V_MPEG4/ISO/AVC";
  ASSERT_TRUE(packager.SetTracks({video}).ok());
  ASSERT_TRUE(packager.PutFrame(MakeFrame(kEpochMs, true, 1), 0).ok());
  ASSERT_TRUE(packager.PutFrame(MakeFrame(kEpochMs + 2000, true, 2), 0).ok());
  EXPECT_EQ(packager.origin_ns(), kEpochMs * kNsPerMs);
  FragmentInfo first, second;
  ASSERT_TRUE(store_.Info(0, &first));
  ASSERT_TRUE(store_.Info(1, &second));
  EXPECT_EQ(first.timecode, 0);
  EXPECT_EQ(second.timecode, 2000);
}

TEST_F(PackagerTest, AudioFramesAreNotFragmentStartsWithVideo) {
  SetUpTracks(/*with_audio=*/true);
  ASSERT_TRUE(packager_.PutFrame(MakeFrame(kEpochMs, true, 1), 0).ok());
  ASSERT_TRUE(packager_.PutFrame(MakeFrame(kEpochMs + 5, true, 7, 2), 0).ok());
  ASSERT_TRUE(packager_.PutFrame(MakeFrame(kEpochMs + 26, true, 8, 2), 0).ok());
  EXPECT_EQ(packager_.counters().fragments, 1u);
  EXPECT_EQ(packager_.counters().frames, 3u);
}

TEST_F(PackagerTest, RejectsOverflowingBlockOffsetsAndMissingTimestamps) {
  SetUpTracks();
  ASSERT_TRUE(packager_.PutFrame(MakeFrame(kEpochMs, true, 1), 0).ok());
  EXPECT_EQ(packager_.PutFrame(MakeFrame(kEpochMs + 40000, false, 2), 0).code(),
            StatusCode::kInvalidTimestamp);
  Frame none = MakeFrame(kEpochMs, false, 3);
  none.pts = none.dts = kNoTimestamp;
  EXPECT_EQ(packager_.PutFrame(none, 0).code(), StatusCode::kInvalidTimestamp);
  Frame unknown = MakeFrame(kEpochMs, false, 3, /*track=*/3);
  EXPECT_EQ(packager_.PutFrame(unknown, 0).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(packager_.counters().dropped_frames, 3u);
}

TEST_F(PackagerTest, AfterAStoreOverflowDropsUntilTheNextKeyFrame) {
  ContentStore small(200, FreeRule::kOnPersisted);
  Packager packager(config_, &small);
  mkv::TrackEntry video;
  video.codec_id = "V_MPEG4/ISO/AVC";
  ASSERT_TRUE(packager.SetTracks({video}).ok());
  ASSERT_TRUE(packager.PutFrame(MakeFrame(kEpochMs, true, 1), 0).ok());
  Frame big = MakeFrame(kEpochMs + 40, false, 2);
  big.data = MakeBytes(Bytes(400, 2));
  EXPECT_EQ(packager.PutFrame(big, 0).code(), StatusCode::kResourceExhausted);
  // The following delta frame would depend on the lost one: dropped.
  ASSERT_TRUE(packager.PutFrame(MakeFrame(kEpochMs + 80, false, 3), 0).ok());
  EXPECT_EQ(packager.counters().frames, 1u);
  ASSERT_TRUE(packager.PutFrame(MakeFrame(kEpochMs + 120, true, 4), 0).ok());
  EXPECT_EQ(packager.counters().frames, 2u);
  EXPECT_EQ(packager.counters().fragments, 2u);
}

}  // namespace
}  // namespace kvs
