#include <gtest/gtest.h>

#include <vector>

#include "kvscore/stream/interleaver.h"
#include "kvscore/stream/timestamp_sanitizer.h"

namespace kvs {
namespace {

constexpr int64_t kMs = kNsPerMs;

Frame At(int64_t pts_ms, int64_t dts_ms, uint32_t track = 1) {
  Frame f;
  f.track = track;
  f.pts = pts_ms == -1 ? kNoTimestamp : pts_ms * kMs;
  f.dts = dts_ms == -1 ? kNoTimestamp : dts_ms * kMs;
  return f;
}

TEST(SanitizerTest, FillsMissingTimestamps) {
  TimestampSanitizer s;
  RepairCounters c;
  Frame a = At(1000, -1), b = At(-1, 1040), d = At(-1, -1);
  s.Repair(&a, &c);
  s.Repair(&b, &c);
  s.Repair(&d, &c);
  EXPECT_EQ(a.dts, 1000 * kMs);
  EXPECT_EQ(b.pts, 1040 * kMs);
  EXPECT_EQ(d.pts, 1080 * kMs);  // Previous + 40 ms default duration.
  EXPECT_EQ(c.filled, 3u);
}

TEST(SanitizerTest, ClampsBackwardDtsAndNudgesDuplicates) {
  TimestampSanitizer s;
  RepairCounters c;
  Frame a = At(1000, 1000), b = At(990, 990), d = At(990, 990);
  s.Repair(&a, &c);
  s.Repair(&b, &c);
  s.Repair(&d, &c);
  EXPECT_EQ(b.dts, 1001 * kMs);
  EXPECT_EQ(b.pts, 1001 * kMs);
  EXPECT_EQ(d.pts, 1002 * kMs);
  EXPECT_EQ(c.dts_clamped, 2u);
  EXPECT_EQ(c.nudged, 2u);
}

TEST(SanitizerTest, ReanchorsAfterASourceResetAndKeepsForwardGaps) {
  TimestampSanitizer s;
  RepairCounters c;
  std::vector<int64_t> out;
  for (int64_t t : {50000, 50040, 0, 40, 80, 200000}) {
    Frame f = At(t, t);
    f.duration = 40 * kMs;
    s.Repair(&f, &c);
    out.push_back(f.pts / kMs);
  }
  EXPECT_EQ(out,
            (std::vector<int64_t>{50000, 50040, 50080, 50120, 50160, 250080}));
  EXPECT_EQ(c.reanchored, 1u);
  EXPECT_EQ(c.gaps, 1u);
}

// Frames arrive every 40 ms (monotonic now), then nothing for 3 s of real
// time; the next frames carry no timestamps, or repeat the last one. They
// are placed where the real time puts them, not 40 ms (or 1 ms) after the
// frame before the outage; and the source's own next timestamps are then
// neither a step back nor shifted.
TEST(SanitizerTest, RepairsAfterAnOutageFollowRealTime) {
  for (bool missing : {true, false}) {
    TimestampSanitizer s;
    RepairCounters c;
    std::vector<int64_t> out;
    auto put = [&](Frame f, int64_t now_ms) {
      f.duration = 40 * kMs;
      s.Repair(&f, &c, now_ms * kMs);
      out.push_back(f.pts / kMs);
    };
    put(At(1000, 1000), 5000);
    put(At(1040, 1040), 5040);
    Frame lost = missing ? At(-1, -1) : At(1040, 1040);
    put(lost, 8040);            // 3 s later.
    put(At(1040, 1040), 8080);  // A second duplicate (or not).
    put(At(4120, 4120), 8120);  // The source's clock again.
    EXPECT_EQ(out[2], 4040) << (missing ? "filled" : "nudged");
    EXPECT_GT(out[3], out[2]);
    EXPECT_EQ(out[4], 4120);
    EXPECT_EQ(c.reanchored, 0u);
  }
}

// Without an outage (arrival jitter below the step threshold), a missing
// timestamp is the previous one plus the frame duration.
TEST(SanitizerTest, ArrivalJitterIsNoOutage) {
  TimestampSanitizer s;
  RepairCounters c;
  Frame a = At(1000, 1000), b = At(-1, -1);
  a.duration = b.duration = 40 * kMs;
  s.Repair(&a, &c, 5000 * kMs);
  s.Repair(&b, &c, 5130 * kMs);  // 130 ms later: 40 + 90 < 40 + 100.
  EXPECT_EQ(b.pts, 1040 * kMs);
}

TEST(SanitizerTest, BFramesPassThrough) {
  TimestampSanitizer s;
  RepairCounters c;
  std::vector<int64_t> pts;
  // Decode order I P B B with DTS shifted: PTS goes back for B-frames.
  int64_t pts_ms[] = {80, 200, 120, 160};
  int64_t dts_ms[] = {0, 40, 80, 120};
  for (int i = 0; i < 4; ++i) {
    Frame f = At(pts_ms[i], dts_ms[i]);
    s.Repair(&f, &c);
    pts.push_back(f.pts / kMs);
  }
  EXPECT_EQ(pts, (std::vector<int64_t>{80, 200, 120, 160}));
  EXPECT_EQ(c.total(), 0u);
  EXPECT_EQ(s.reorder_delay_ns(), 160 * kMs);  // 200 - 40.
}

// Arrival times: frames arrive at their media time (a live source), unless
// a test says otherwise.
TEST(InterleaverTest, ReleasesInKeyOrderOnceEveryTrackHasAFrame) {
  Interleaver il(1000 * kMs);
  il.AddTrack(1, true);
  il.AddTrack(2, false);
  Frame out;
  il.Push(At(0, 0, 2), 0);
  il.Push(At(20, 20, 2), 20 * kMs);
  EXPECT_FALSE(il.Pop(&out, 20 * kMs));  // Video has nothing yet.
  il.Push(At(10, 10, 1), 20 * kMs);
  ASSERT_TRUE(il.Pop(&out, 20 * kMs));
  EXPECT_EQ(out.track, 2u);
  ASSERT_TRUE(il.Pop(&out, 20 * kMs));
  EXPECT_EQ(out.pts, 10 * kMs);
  EXPECT_FALSE(il.Pop(&out, 20 * kMs));  // Video's queue is empty again.
}

TEST(InterleaverTest, ASilentTrackStallsOthersAtMostTheBound) {
  Interleaver il(1000 * kMs);
  il.AddTrack(1, true);
  il.AddTrack(2, false);
  Frame out;
  for (int t = 0; t < 1000; t += 40) il.Push(At(t, t, 1), t * kMs);
  EXPECT_FALSE(il.Pop(&out, 960 * kMs));  // Waited 960 ms for audio.
  il.Push(At(1000, 1000, 1), 1000 * kMs);
  ASSERT_TRUE(il.Pop(&out, 1000 * kMs));  // Waited 1 s: released.
  EXPECT_FALSE(il.Active(2));
  while (il.Pop(&out, 1000 * kMs)) {
  }
  EXPECT_EQ(il.queued(), 0u);  // Audio silent: no more waiting.
  il.Push(At(1500, 1500, 2), 1500 * kMs);
  EXPECT_TRUE(il.Active(2));
}

TEST(InterleaverTest, AFileRunningAheadIsNotSilence) {
  // A file plays much faster than real time: 1.6 s of video arrives within
  // 1 ms while the audio thread lags. That is not a silent pad.
  Interleaver il(1000 * kMs);
  il.AddTrack(1, true);
  il.AddTrack(2, false);
  Frame out;
  for (int t = 0; t <= 1600; t += 40) il.Push(At(t, t, 1), kMs);
  EXPECT_FALSE(il.Pop(&out, kMs));
  EXPECT_TRUE(il.Active(2));
  il.Push(At(0, 0, 2), 2 * kMs);
  ASSERT_TRUE(il.Pop(&out, 2 * kMs));
  // The media span bound still limits memory: 10 s queued releases.
  for (int t = 1640; t <= 11000; t += 40) il.Push(At(t, t, 1), 3 * kMs);
  EXPECT_TRUE(il.Pop(&out, 3 * kMs));
}

TEST(InterleaverTest, KeyFrameOrdersAfterItsTracksLatestFrame) {
  // Closed GOP with B-frames: the next IDR (PTS 300) follows frames up to
  // PTS 260; audio at 270 and 290 belongs before it only if presented before
  // every new-fragment frame: the IDR keys at min(300, 260 + 1 ms).
  Interleaver il(0);
  il.AddTrack(1, true);
  il.AddTrack(2, false);
  Frame out;
  Frame gop = At(100, 100, 1);  // The old GOP's IDR.
  gop.flags = kFrameFlagKey;
  il.Push(gop, 0);
  Frame p = At(260, 180, 1);  // Last frame of the old GOP (decode order).
  il.Push(p, 0);
  Frame idr = At(300, 220, 1);
  idr.flags = kFrameFlagKey;
  il.Push(idr, 0);
  for (int t : {250, 270, 290}) il.Push(At(t, t, 2), 0);
  std::vector<std::pair<uint32_t, int64_t>> order;
  il.EndTrack(1);
  il.EndTrack(2);
  while (il.Pop(&out, 0)) order.emplace_back(out.track, out.pts / kMs);
  EXPECT_EQ(order,
            (std::vector<std::pair<uint32_t, int64_t>>{
                {1, 100}, {2, 250}, {1, 260}, {1, 300}, {2, 270}, {2, 290}}));
}

TEST(InterleaverTest, FramesBeforeTheFirstKeyFrameDoNotMoveIt) {
  // A stream that starts inside a GOP (open-GOP leading pictures, a cut
  // file): those frames start no fragment and are dropped, so the first
  // key frame keys at its own PTS and audio presented before it goes
  // before it (to be dropped too, with no fragment open), not into the
  // first fragment.
  Interleaver il(0);
  il.AddTrack(1, true);
  il.AddTrack(2, false);
  il.Push(At(260, 180, 1), 0);  // Leading, no key frame yet.
  Frame cra = At(300, 220, 1);
  cra.flags = kFrameFlagKey;
  il.Push(cra, 0);
  for (int t : {270, 290, 310}) il.Push(At(t, t, 2), 0);
  il.EndTrack(1);
  il.EndTrack(2);
  Frame out;
  std::vector<std::pair<uint32_t, int64_t>> order;
  while (il.Pop(&out, 0)) order.emplace_back(out.track, out.pts / kMs);
  EXPECT_EQ(order, (std::vector<std::pair<uint32_t, int64_t>>{
                       {1, 260}, {2, 270}, {2, 290}, {1, 300}, {2, 310}}));
}

TEST(InterleaverTest, EndedTrackWithQueuedFramesStaysActive) {
  Interleaver il(0);
  il.AddTrack(1, true);
  il.AddTrack(2, false);
  il.Push(At(10, 10, 2), 0);
  il.EndTrack(2);
  EXPECT_TRUE(il.Active(2));  // Its frame still has to be written.
  Frame out;
  il.Push(At(20, 20, 1), 0);
  ASSERT_TRUE(il.Pop(&out, 0));
  EXPECT_EQ(out.track, 2u);
  EXPECT_FALSE(il.Active(2));
}

TEST(SanitizerTest, SmallClockStepBackReanchorsButJitterDoesNot) {
  TimestampSanitizer s;
  RepairCounters c;
  std::vector<int64_t> out;
  // Audio at 20 ms: 3 ms of jitter back is clamped; a 2 s step re-anchors.
  for (int64_t t : {1000, 1020, 1037, 1060, 1080, 80, 100}) {
    Frame f = At(t, t);
    f.duration = 20 * kMs;
    s.Repair(&f, &c);
    out.push_back(f.pts / kMs);
  }
  EXPECT_EQ(out,
            (std::vector<int64_t>{1000, 1020, 1037, 1060, 1080, 1100, 1120}));
  EXPECT_EQ(c.reanchored, 1u);
}

}  // namespace
}  // namespace kvs
