#include "kvscore/stream/packager.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/stream/mkv_walker.h"
#include "tests/unit/test_support.h"

namespace kvs {
namespace {

using Bytes = std::vector<uint8_t>;
using kvs_test::WalkedCluster;
using kvs_test::WalkedSegment;

constexpr int64_t kT0 = 1700000000000;  // A producer time, ms.
constexpr uint32_t kVideo = 10;         // The element's ids for tracks.
constexpr uint32_t kAudio = 20;

// A real avcC (320x240, from upstream-wire-capture.md section 2).
const Bytes kAvcC = kvs_test::FromHex(
    "01f4000dffe1001b67f4000d919640507ec05a830303200000030020000007"
    "91e28549010006"
    "68ebcc448440");
const Bytes kAsc = {0x11, 0x90};  // AAC LC, 48 kHz, stereo.

TrackConfig Video(Bytes cpd = kAvcC) {
  TrackConfig t;
  t.number = kVideo;
  t.codec = TrackCodec::kH264;
  t.codec_private = std::move(cpd);
  return t;
}

TrackConfig Audio() {
  TrackConfig t;
  t.number = kAudio;
  t.codec = TrackCodec::kAac;
  t.codec_private = kAsc;
  return t;
}

Frame MakeFrame(uint32_t track, int64_t pts_ms, bool key, uint8_t fill,
                size_t size = 3) {
  Frame f;
  f.track = track;
  f.flags = key ? kFrameFlagKey : kFrameFlagNone;
  f.pts = f.dts = pts_ms * kNsPerMs;
  f.data = MakeBytes(Bytes(size, fill));
  return f;
}

class PackagerTest : public ::testing::Test {
 protected:
  // Every body the store hands out, walked (kOnSent frees what was read,
  // so a header change starts the next body).
  std::vector<WalkedSegment> Bodies() {
    Bytes all = kvs_test::ReadAllBodies(&store_);
    std::string error;
    std::vector<WalkedSegment> segments = kvs_test::WalkBody(all, &error);
    EXPECT_EQ(error, "");
    return segments;
  }
  std::vector<WalkedCluster> Clusters() {
    std::vector<WalkedCluster> out;
    for (const WalkedSegment& s : Bodies()) {
      out.insert(out.end(), s.clusters.begin(), s.clusters.end());
    }
    return out;
  }
  // Frames arrive at their media time, as from a live source.
  void Put(const Frame& f) {
    ASSERT_TRUE(packager_.PutFrame(f, f.pts - kT0 * kNsPerMs).ok());
  }

  PackagerConfig config_;
  ContentStore store_{1 << 24, FreeRule::kOnSent};
  Packager packager_{config_, &store_};
};

TEST_F(PackagerTest, RequiresTracks) {
  EXPECT_EQ(packager_.PutFrame(MakeFrame(kVideo, kT0, true, 1), 0).code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PackagerTest, KeyFramesStartClustersNoShorterThanOneSecond) {
  ASSERT_TRUE(packager_.SetTracks({Video()}).ok());
  Put(MakeFrame(kVideo, kT0 - 40, false, 9));  // Before a key frame.
  for (int i = 0; i < 8; ++i) {                // A key frame every 400 ms.
    Put(MakeFrame(kVideo, kT0 + 400 * i, true, i));
    Put(MakeFrame(kVideo, kT0 + 400 * i + 200, false, 100 + i));
  }
  packager_.Finish();
  std::vector<WalkedCluster> clusters = Clusters();
  ASSERT_EQ(clusters.size(), 3u);  // At 0, 1200 and 2400 ms: >= 1 s apart.
  EXPECT_EQ(clusters[0].timecode, kT0);
  EXPECT_EQ(clusters[1].timecode, kT0 + 1200);
  EXPECT_EQ(clusters[2].timecode, kT0 + 2400);
  ASSERT_EQ(clusters[0].blocks.size(), 6u);
  EXPECT_EQ(clusters[0].blocks[0].flags, 0x80);
  EXPECT_EQ(clusters[0].blocks[1].relative, 200);
  EXPECT_EQ(clusters[0].blocks[2].relative, 400);  // A key frame inside.
  EXPECT_TRUE(clusters[2].end_of_fragment_after);
  EXPECT_EQ(packager_.counters().waiting_for_key, 1u);
}

TEST_F(PackagerTest, DurationFragmentationAndRelativeTimes) {
  config_.key_frame_fragmentation = false;
  config_.absolute_fragment_times = false;
  Packager packager(config_, &store_);
  ASSERT_TRUE(packager.SetTracks({Video()}).ok());
  for (int i = 0; i < 12; ++i) {  // Key frames every 400 ms.
    ASSERT_TRUE(
        packager.PutFrame(MakeFrame(kVideo, kT0 + 400 * i, true, i), 0).ok());
  }
  packager.Finish();
  std::vector<WalkedCluster> clusters = Clusters();
  ASSERT_EQ(clusters.size(), 3u);  // First key frame >= 2 s: 0, 2000, 4000.
  EXPECT_EQ(clusters[0].timecode, 0);
  EXPECT_EQ(clusters[1].timecode, 2000);
  EXPECT_EQ(packager.origin_ns(), kT0 * kNsPerMs);
}

TEST_F(PackagerTest, AudioOnlyFragmentsByDuration) {
  ASSERT_TRUE(packager_.SetTracks({Audio()}).ok());
  for (int i = 0; i < 200; ++i) Put(MakeFrame(kAudio, kT0 + 21 * i, false, i));
  packager_.Finish();
  std::vector<WalkedSegment> bodies = Bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0].codec_ids, std::vector<std::string>{"A_AAC"});
  std::vector<WalkedCluster> clusters = bodies[0].clusters;
  ASSERT_EQ(clusters.size(), 3u);  // 4.2 s of audio in 2 s fragments.
  EXPECT_EQ(clusters[1].timecode - clusters[0].timecode, 2016);
  EXPECT_EQ(clusters[0].blocks[0].track, 1u);  // Audio-only: track 1.
}

TEST_F(PackagerTest, AudioAndVideoInterleaveInTimeOrder) {
  ASSERT_TRUE(packager_.SetTracks({Video(), Audio()}).ok());
  // Audio runs ahead on its own thread: the interleaver holds it.
  for (int i = 0; i < 10; ++i) Put(MakeFrame(kAudio, kT0 + 20 * i, false, 1));
  for (int i = 0; i < 5; ++i) {
    Put(MakeFrame(kVideo, kT0 + 40 * i, i == 0, 2));
  }
  Put(MakeFrame(kAudio, kT0 + 200, false, 1));
  packager_.Finish();
  std::vector<WalkedSegment> bodies = Bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0].tracks, 2);
  std::vector<int> order, times;
  for (const auto& b : bodies[0].clusters[0].blocks) {
    order.push_back(static_cast<int>(b.track));
    times.push_back(b.relative);
  }
  EXPECT_EQ(times, (std::vector<int>{0, 0, 20, 40, 40, 60, 80, 80, 100, 120,
                                     120, 140, 160, 160, 180, 200}));
  EXPECT_EQ(order.front(), 1);  // Video first at equal times: its key frame.
}

TEST_F(PackagerTest, SilentAudioIsLeftOutOfTheNextHeader) {
  ASSERT_TRUE(packager_.SetTracks({Video(), Audio()}).ok());
  for (int i = 0; i < 25; ++i) Put(MakeFrame(kAudio, kT0 + 40 * i, false, 1));
  // Video for 4 s: audio stops after 1 s. Key frames every 1.2 s.
  for (int i = 0; i < 100; ++i) {
    Put(MakeFrame(kVideo, kT0 + 40 * i, i % 30 == 0, 2));
  }
  packager_.Finish();
  std::vector<WalkedSegment> bodies = Bodies();
  ASSERT_EQ(bodies.size(), 2u);  // A new header without audio.
  EXPECT_EQ(bodies[0].tracks, 2);
  EXPECT_EQ(bodies[1].tracks, 1);
  EXPECT_EQ(bodies[1].codec_ids, std::vector<std::string>{"V_MPEG4/ISO/AVC"});
  // Every fragment of the A/V header has frames of both tracks (no 4011).
  for (const WalkedCluster& c : bodies[0].clusters) {
    bool audio = false, video = false;
    for (const auto& b : c.blocks) (b.track == 1 ? video : audio) = true;
    EXPECT_TRUE(audio && video) << c.timecode;
  }
  EXPECT_EQ(packager_.counters().header_changes, 1u);
}

TEST_F(PackagerTest, LateAudioJoinsAtTheNextFragment) {
  ASSERT_TRUE(packager_.SetTracks({Video(), Audio()}).ok());
  for (int i = 0; i < 75; ++i) {  // 3 s of video, key every 1.2 s.
    Put(MakeFrame(kVideo, kT0 + 40 * i, i % 30 == 0, 2));
    if (i >= 40) Put(MakeFrame(kAudio, kT0 + 40 * i + 1, false, 1));
  }
  packager_.Finish();
  std::vector<WalkedSegment> bodies = Bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0].tracks, 1);  // Audio had not started.
  EXPECT_EQ(bodies[1].tracks, 2);  // From the key frame after it started.
  EXPECT_EQ(bodies[1].clusters[0].timecode, kT0 + 2400);
  EXPECT_GT(packager_.counters().repairs.dropped, 0u);  // Audio before it.
}

TEST(PackagerFramerateTest, FramesWithoutTimestampsFollowTheFramerate) {
  // framerate=10 -> 100 ms: a frame that carries no timestamp is placed
  // one frame duration after the previous one.
  PackagerConfig config;
  config.default_frame_duration_ns = 100 * kNsPerMs;
  ContentStore store(1 << 24, FreeRule::kOnSent);
  Packager packager(config, &store);
  ASSERT_TRUE(packager.SetTracks({Video()}).ok());
  ASSERT_TRUE(packager.PutFrame(MakeFrame(kVideo, kT0, true, 1), 0).ok());
  Frame untimed = MakeFrame(kVideo, kT0, false, 2);
  untimed.pts = untimed.dts = kNoTimestamp;
  ASSERT_TRUE(packager.PutFrame(untimed, 0).ok());
  packager.Finish();
  std::string error;
  std::vector<WalkedSegment> segments =
      kvs_test::WalkBody(kvs_test::ReadAllBodies(&store), &error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(segments.size(), 1u);
  ASSERT_EQ(segments[0].clusters.size(), 1u);
  ASSERT_EQ(segments[0].clusters[0].blocks.size(), 2u);
  EXPECT_EQ(segments[0].clusters[0].blocks[1].relative, 100);
  EXPECT_EQ(packager.counters().repairs.filled, 1u);
}

TEST_F(PackagerTest, NoKeyFrameForTenSecondsForcesACut) {
  ASSERT_TRUE(packager_.SetTracks({Video()}).ok());
  for (int i = 0; i < 300; ++i) {  // 12 s, one key frame at the start.
    Put(MakeFrame(kVideo, kT0 + 40 * i, i == 0, 1));
  }
  packager_.Finish();
  std::vector<WalkedCluster> clusters = Clusters();
  ASSERT_EQ(clusters.size(), 2u);
  // The first fragment spans at most 10 s, its last frame's 40 ms included.
  EXPECT_LE(clusters[0].blocks.back().relative + 40, 10000);
  EXPECT_EQ(clusters[1].timecode,
            clusters[0].timecode + clusters[0].blocks.back().relative + 40);
  EXPECT_EQ(clusters[1].blocks[0].flags, 0);  // Cut at a delta frame.
  EXPECT_EQ(packager_.counters().forced_cuts, 1u);
}

TEST_F(PackagerTest, InBandParameterSetsBuildTheCodecPrivate) {
  const std::string shared = kvs_test::SharedDir();
  ASSERT_FALSE(shared.empty());
  Bytes stream = kvs_test::ReadFileBytes(
      shared + "/media/kvs_h264_high_640x480_25fps_nob.h264");
  ASSERT_GT(stream.size(), 100000u);
  // The first access unit runs up to the second AUD (00 00 00 01 09).
  size_t second = 0;
  for (size_t i = 5; i + 4 < stream.size(); ++i) {
    if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 0 &&
        stream[i + 3] == 1 && stream[i + 4] == 0x09) {
      second = i;
      break;
    }
  }
  ASSERT_GT(second, 0u);
  TrackConfig byte_stream = Video(/*cpd=*/{});
  byte_stream.annexb = true;
  auto described = packager_.SetTracks({byte_stream});
  ASSERT_TRUE(described.ok());
  EXPECT_TRUE(described->empty());  // Not yet: no codec data.
  Frame key;
  key.track = kVideo;
  key.flags = kFrameFlagKey;
  key.pts = key.dts = kT0 * kNsPerMs;
  key.data = MakeBytes(Bytes(stream.begin(), stream.begin() + second));
  Put(key);
  packager_.Finish();
  std::vector<WalkedSegment> bodies = Bodies();
  ASSERT_EQ(bodies.size(), 1u);
  ASSERT_EQ(bodies[0].clusters.size(), 1u);
  const auto& block = bodies[0].clusters[0].blocks.at(0);
  // Re-framed: a 4-byte length (2) then the AUD NAL (09 ..), not 00 00 00 01.
  EXPECT_EQ(Bytes(block.payload_head.begin(), block.payload_head.begin() + 5),
            (Bytes{0, 0, 0, 2, 0x09}));
  // 4-byte start codes become 4-byte lengths; 3-byte ones grow by one.
  size_t short_codes = 0;
  for (size_t i = 1; i + 2 < second; ++i) {
    short_codes += stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1 &&
                   stream[i - 1] != 0;
  }
  EXPECT_EQ(block.payload_size, second + short_codes);
}

TEST_F(PackagerTest, MetadataGoesBeforeTheNextCluster) {
  ASSERT_TRUE(packager_.SetTracks({Video()}).ok());
  ASSERT_TRUE(packager_.PutMetadata("camera", "door", true).ok());
  ASSERT_TRUE(packager_.PutMetadata("event", "motion", false).ok());
  EXPECT_FALSE(packager_.PutMetadata("AWS_X", "no", false).ok());
  Put(MakeFrame(kVideo, kT0, true, 1));
  Put(MakeFrame(kVideo, kT0 + 1000, true, 2));
  packager_.Finish();
  std::vector<WalkedCluster> clusters = Clusters();
  ASSERT_EQ(clusters.size(), 2u);
  EXPECT_EQ(clusters[0].tags_before,
            (std::vector<std::string>{"camera=door", "event=motion"}));
  EXPECT_EQ(clusters[1].tags_before, std::vector<std::string>{"camera=door"});
}

TEST_F(PackagerTest, CodecChangeStartsANewHeaderAtTheNextKeyFrame) {
  ASSERT_TRUE(packager_.SetTracks({Video()}).ok());
  Put(MakeFrame(kVideo, kT0, true, 1));
  Put(MakeFrame(kVideo, kT0 + 40, false, 2));
  Bytes other = kAvcC;
  other[3] = 0x1e;  // Another level: new codec data.
  ASSERT_TRUE(packager_.SetTracks({Video(other)}).ok());
  Put(MakeFrame(kVideo, kT0 + 80, false, 3));  // Stays in the old fragment.
  Put(MakeFrame(kVideo, kT0 + 120, true, 4));
  packager_.Finish();
  std::vector<WalkedSegment> bodies = Bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0].clusters[0].blocks.size(), 3u);  // No frame lost.
  EXPECT_EQ(bodies[1].clusters[0].timecode, kT0 + 120);
}

TEST_F(PackagerTest, AfterAStoreOverflowDropsUntilTheNextKeyFrame) {
  ContentStore small(300, FreeRule::kOnPersisted);
  Packager packager(config_, &small);
  ASSERT_TRUE(packager.SetTracks({Video()}).ok());
  ASSERT_TRUE(packager.PutFrame(MakeFrame(kVideo, kT0, true, 1), 0).ok());
  EXPECT_EQ(
      packager.PutFrame(MakeFrame(kVideo, kT0 + 40, false, 2, 400), 0).code(),
      StatusCode::kResourceExhausted);
  ASSERT_TRUE(packager.PutFrame(MakeFrame(kVideo, kT0 + 80, false, 3), 0).ok());
  EXPECT_EQ(packager.counters().frames, 1u);  // Depends on the lost one.
  ASSERT_TRUE(packager.PutFrame(MakeFrame(kVideo, kT0 + 120, true, 4), 0).ok());
  EXPECT_EQ(packager.counters().frames, 2u);
}

TEST_F(PackagerTest, FlushDropsQueuedFramesAndClosesTheFragment) {
  ASSERT_TRUE(packager_.SetTracks({Video(), Audio()}).ok());
  Put(MakeFrame(kVideo, kT0, true, 1));  // Waits for audio in the interleaver.
  packager_.Flush();
  EXPECT_FALSE(packager_.fragment_open());
  EXPECT_EQ(packager_.counters().dropped_frames, 1u);
}

}  // namespace
}  // namespace kvs
