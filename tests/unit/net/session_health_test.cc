#include "kvscore/net/session_health.h"

#include <gtest/gtest.h>

#include "kvscore/base/clock.h"

namespace kvs {
namespace {

constexpr int64_t kS = kNsPerSecond;

TEST(SessionHealthTest, StaleWhenBufferingNeverComes) {
  SessionHealth health({/*staleness=*/60 * kS, 0, 0, 0});
  health.SessionStarted(0);
  health.FragmentStarted(0, 10 * kS);
  EXPECT_EQ(health.Check(69 * kS, 0), HealthAction::kNone);
  EXPECT_EQ(health.Check(70 * kS, 0), HealthAction::kStale);
}

TEST(SessionHealthTest, BufferingClearsStalenessUpToItsFragment) {
  SessionHealth health({60 * kS, 0, 0, 0});
  health.SessionStarted(0);
  health.FragmentStarted(0, 0);
  health.FragmentStarted(1, 30 * kS);
  health.FragmentBuffering(0);
  EXPECT_EQ(health.Check(80 * kS, 0), HealthAction::kNone);
  EXPECT_EQ(health.Check(90 * kS, 0), HealthAction::kStale);  // Fragment 1.
  health.FragmentBuffering(1);
  EXPECT_EQ(health.Check(1000 * kS, 0), HealthAction::kNone);
  health.SessionStarted(1000 * kS);  // A new session forgets the old.
  EXPECT_EQ(health.Check(2000 * kS, 0), HealthAction::kNone);
}

TEST(SessionHealthTest, LatencyPressure) {
  SessionHealth health({0, /*max_latency=*/60 * kS, 0, 0});
  health.SessionStarted(0);
  EXPECT_EQ(health.Check(100 * kS, 60 * kS), HealthAction::kNone);
  EXPECT_EQ(health.Check(100 * kS, 61 * kS), HealthAction::kLatency);
}

TEST(SessionHealthTest, RotatesByAgeOrCredentials) {
  SessionHealth health({0, 0, /*rotation=*/2400 * kS, 0});
  health.SessionStarted(100 * kS);
  EXPECT_EQ(health.Check(2499 * kS, 0), HealthAction::kNone);
  EXPECT_EQ(health.Check(2500 * kS, 0), HealthAction::kRotate);
  health.SessionStarted(2500 * kS);
  health.SetCredentialsDeadline(2600 * kS);
  EXPECT_EQ(health.Check(2599 * kS, 0), HealthAction::kNone);
  EXPECT_EQ(health.Check(2600 * kS, 0), HealthAction::kRotate);
}

TEST(SessionHealthTest, IdleEndsTheOpenFragmentOnce) {
  SessionHealth health({0, 0, 0, /*idle=*/20 * kS});
  health.SessionStarted(0);
  health.FrameArrived(5 * kS);
  EXPECT_EQ(health.Check(30 * kS, 0), HealthAction::kNone);  // None open.
  health.SetFragmentOpen(true);
  EXPECT_EQ(health.Check(24 * kS, 0), HealthAction::kNone);
  EXPECT_EQ(health.Check(25 * kS, 0), HealthAction::kIdleEnd);
  EXPECT_EQ(health.Check(26 * kS, 0), HealthAction::kNone);
}

TEST(SessionHealthTest, OrderStaleBeforeLatencyBeforeRotate) {
  SessionHealth health({10 * kS, 10 * kS, 10 * kS, 10 * kS});
  health.SessionStarted(0);
  health.FragmentStarted(0, 0);
  health.SetFragmentOpen(true);
  EXPECT_EQ(health.Check(100 * kS, 100 * kS), HealthAction::kStale);
  health.FragmentBuffering(0);
  EXPECT_EQ(health.Check(100 * kS, 100 * kS), HealthAction::kLatency);
  EXPECT_EQ(health.Check(100 * kS, 0), HealthAction::kRotate);
  health.SessionStarted(100 * kS);
  EXPECT_EQ(health.Check(100 * kS, 0), HealthAction::kIdleEnd);
  EXPECT_STREQ(HealthActionName(HealthAction::kIdleEnd), "idle-end");
}

}  // namespace
}  // namespace kvs
