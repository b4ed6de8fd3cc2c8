#include "kvscore/store/content_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace kvs {
namespace {

Piece Text(const std::string& s) {
  return Piece::Copy(std::vector<uint8_t>(s.begin(), s.end()));
}

// Reads everything available (up to `max`) in small steps.
std::string Drain(ContentStore* store, UploadCursor* cursor, ReadState* state,
                  size_t step = 3) {
  std::string out;
  uint8_t buf[64];
  for (;;) {
    size_t n = store->Read(cursor, buf, step, state);
    if (n == 0) return out;
    out.append(reinterpret_cast<char*>(buf), n);
  }
}

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_.SetHeader(1, MakeBytes({'H', 'D', 'R'}));
    store_.SetDataListener([this] { ++wakeups_; });
  }
  ContentStore store_{1000, FreeRule::kOnPersisted};
  int wakeups_ = 0;
};

TEST_F(ContentStoreTest, BodyIsHeaderThenFragmentsInOrder) {
  UploadCursor cursor = store_.OpenCursor();
  ReadState state;
  EXPECT_EQ(Drain(&store_, &cursor, &state), "HDR");
  EXPECT_EQ(state, ReadState::kWaiting);

  ASSERT_TRUE(store_.BeginFragment(1000, {Text("C1")}, 0).ok());
  EXPECT_EQ(wakeups_, 1);  // The waiting reader is woken once.
  ASSERT_TRUE(store_.AppendFrame(Text("b"), Text("frame1")).ok());
  EXPECT_EQ(wakeups_, 1);  // Nobody waited in between: no extra wakeup.
  EXPECT_EQ(Drain(&store_, &cursor, &state), "C1bframe1");
  EXPECT_EQ(state, ReadState::kWaiting);  // The fragment is still open.
  ASSERT_TRUE(store_.BeginFragment(2000, {Text("C2")}, 0).ok());
  EXPECT_EQ(wakeups_, 2);
  EXPECT_EQ(Drain(&store_, &cursor, &state), "C2");
}

TEST_F(ContentStoreTest, FreedWhenPersistedAndUnacknowledgedReplayed) {
  ASSERT_TRUE(store_.BeginFragment(1000, {Text("C1")}, 0).ok());
  ASSERT_TRUE(store_.AppendFrame(Text("b"), Text("x")).ok());
  ASSERT_TRUE(store_.BeginFragment(2000, {Text("C2")}, 0).ok());
  UploadCursor cursor = store_.OpenCursor();
  ReadState state;
  EXPECT_EQ(Drain(&store_, &cursor, &state), "HDRC1bxC2");
  EXPECT_TRUE(store_.Acknowledge(0, AckLevel::kBuffering));
  EXPECT_EQ(store_.counters().fragments_held, 2u);
  // The session dies: a new one replays from fragment 0.
  store_.ReleaseCursor(cursor);
  UploadCursor replay = store_.OpenCursor();
  EXPECT_EQ(replay.fragment, 0u);
  EXPECT_EQ(Drain(&store_, &replay, &state), "HDRC1bxC2");
  EXPECT_TRUE(store_.Acknowledge(0, AckLevel::kPersisted));
  EXPECT_EQ(store_.counters().fragments_held, 1u);
  EXPECT_EQ(store_.counters().bytes_held, 2u);                // "C2"
  EXPECT_FALSE(store_.Acknowledge(0, AckLevel::kPersisted));  // Gone.
  store_.ReleaseCursor(replay);
  EXPECT_EQ(store_.OpenCursor().fragment, 1u);
}

// Upstream's realtime rollback: a fragment KVS RECEIVED is never resent
// (KVS has all of it); offline resends everything not PERSISTED.
TEST(ContentStoreReplayTest, RealtimeDoesNotResendReceivedFragments) {
  for (bool offline : {false, true}) {
    StoreOptions options;
    options.block_when_full = offline;
    ContentStore store(options);
    store.SetHeader(1, MakeBytes({'H'}));
    ASSERT_TRUE(store.BeginFragment(1000, {Text("A")}, 0).ok());
    ASSERT_TRUE(store.BeginFragment(2000, {Text("B")}, 0).ok());
    ASSERT_TRUE(store.BeginFragment(3000, {Text("C")}, 0).ok());
    UploadCursor cursor = store.OpenCursor();
    ReadState state;
    EXPECT_EQ(Drain(&store, &cursor, &state), "HABC");
    EXPECT_TRUE(store.Acknowledge(0, AckLevel::kPersisted));
    EXPECT_TRUE(store.Acknowledge(1, AckLevel::kReceived));
    EXPECT_EQ(store.counters().fragments_held, 2u) << offline;
    store.ReleaseCursor(cursor);  // Dies before B's PERSISTED.
    UploadCursor replay = store.OpenCursor();
    EXPECT_EQ(replay.fragment, offline ? 1u : 2u);
    EXPECT_EQ(Drain(&store, &replay, &state), offline ? "HBC" : "HC");
    // Realtime: B is final, so its memory is freed too.
    EXPECT_EQ(store.counters().fragments_held, offline ? 2u : 1u);
  }
}

// The window bounds the rollback over what an earlier session sent and KVS
// never acknowledged (upstream-kvssink.md B.4).
TEST(ContentStoreReplayTest, RealtimeReplaysAtMostTheReplayWindow) {
  ContentStore store(StoreOptions{});
  store.SetHeader(1, MakeBytes({'H'}));
  std::vector<std::pair<int64_t, DropReason>> dropped;
  store.SetEvictionListener([&](const FragmentInfo& info, DropReason why) {
    dropped.emplace_back(info.timecode, why);
  });
  for (int64_t t : {1000, 2000, 3000}) {
    ASSERT_TRUE(store.BeginFragment(t, {Text("F")}, 0).ok());
  }
  UploadCursor first = store.OpenCursor(2500);
  ReadState state;
  EXPECT_EQ(Drain(&store, &first, &state), "HFFF");  // Sent, never ACKed.
  store.ReleaseCursor(first);
  for (int64_t t : {4000, 5000}) {
    ASSERT_TRUE(store.BeginFragment(t, {Text("F")}, 0).ok());
  }
  // A session from 5000 - 2500 = 2500 on: 1000 and 2000 are dropped.
  UploadCursor cursor = store.OpenCursor(2500);
  EXPECT_EQ(cursor.fragment, 2u);
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[0],
            std::make_pair(int64_t{1000}, DropReason::kReplayWindow));
  EXPECT_EQ(dropped[1].first, 2000);
  EXPECT_EQ(store.counters().evicted_fragments, 2u);
  EXPECT_EQ(store.counters().fragments_held, 3u);
}

// A first session that starts late (e.g. a file pushed faster than real
// time while the control plane retried) sends everything held, however
// far back: the replay window never drops what no session has sent.
TEST(ContentStoreReplayTest, WindowNeverDropsFragmentsNoSessionSent) {
  ContentStore store(StoreOptions{});
  store.SetHeader(1, MakeBytes({'H'}));
  int dropped = 0;
  store.SetEvictionListener(
      [&](const FragmentInfo&, DropReason) { ++dropped; });
  std::string expected = "H";
  for (int64_t t = 1000; t <= 110000; t += 1000) {
    ASSERT_TRUE(store.BeginFragment(t, {Text("F")}, 0).ok());
    expected += "F";
  }
  UploadCursor cursor = store.OpenCursor(40000);
  EXPECT_EQ(cursor.fragment, 0u);
  ReadState state;
  EXPECT_EQ(Drain(&store, &cursor, &state, 64), expected);
  EXPECT_EQ(dropped, 0);
  EXPECT_EQ(store.counters().evicted_fragments, 0u);
}

// Partly sent counts as sent: a fragment whose first bytes went out in a
// session that died is subject to the window; the next one is not.
TEST(ContentStoreReplayTest, PartlySentFragmentIsSubjectToTheWindow) {
  ContentStore store(StoreOptions{});
  store.SetHeader(1, MakeBytes({'H'}));
  std::vector<int64_t> dropped;
  store.SetEvictionListener([&](const FragmentInfo& info, DropReason why) {
    EXPECT_EQ(why, DropReason::kReplayWindow);
    dropped.push_back(info.timecode);
  });
  ASSERT_TRUE(store.BeginFragment(1000, {Text("AAAA")}, 0).ok());
  ASSERT_TRUE(store.BeginFragment(2000, {Text("BBBB")}, 0).ok());
  UploadCursor first = store.OpenCursor(500);
  uint8_t buf[8];
  ReadState state;
  ASSERT_EQ(store.Read(&first, buf, 3, &state), 3u);  // "HAA"
  store.ReleaseCursor(first);
  ASSERT_TRUE(store.BeginFragment(3000, {Text("C")}, 0).ok());
  UploadCursor replay = store.OpenCursor(500);
  EXPECT_EQ(dropped, std::vector<int64_t>{1000});
  EXPECT_EQ(replay.fragment, 1u);
  EXPECT_EQ(Drain(&store, &replay, &state), "HBBBBC");
}

TEST_F(ContentStoreTest, FinishEndsTheBodyAfterTheLastAck) {
  ASSERT_TRUE(store_.BeginFragment(1000, {Text("C1")}, 0).ok());
  store_.EndFragment({Text("EOFR")});
  store_.Finish();
  UploadCursor cursor = store_.OpenCursor();
  ReadState state;
  EXPECT_EQ(Drain(&store_, &cursor, &state), "HDRC1EOFR");
  EXPECT_EQ(state, ReadState::kFinishing);  // Waits for PERSISTED.
  int before = wakeups_;
  EXPECT_TRUE(store_.Acknowledge(0, AckLevel::kPersisted));
  EXPECT_EQ(wakeups_, before + 1);
  EXPECT_TRUE(store_.Drained());
  EXPECT_EQ(Drain(&store_, &cursor, &state), "");
  EXPECT_EQ(state, ReadState::kEnd);
}

TEST_F(ContentStoreTest, EvictsWholeOldestUnreadFragmentsForSpace) {
  ContentStore small(30, FreeRule::kOnPersisted);
  small.SetHeader(1, MakeBytes({'H'}));
  std::vector<uint64_t> evicted;
  small.SetEvictionListener([&](const FragmentInfo& info, DropReason why) {
    EXPECT_EQ(why, DropReason::kStorageFull);
    evicted.push_back(info.index);
  });
  const std::string ten(10, 'x');
  ASSERT_TRUE(small.BeginFragment(1, {Text("A")}, 0).ok());  // 1 byte
  ASSERT_TRUE(small.AppendFrame(Text(""), Text(ten)).ok());  // 11
  ASSERT_TRUE(small.BeginFragment(2, {Text("B")}, 0).ok());  // 12
  ASSERT_TRUE(small.AppendFrame(Text(""), Text(ten)).ok());  // 22
  ASSERT_TRUE(small.BeginFragment(3, {Text("C")}, 0).ok());  // 23
  EXPECT_TRUE(evicted.empty());
  ASSERT_TRUE(small.AppendFrame(Text(""), Text(ten)).ok());  // 33 > 30
  EXPECT_EQ(evicted, std::vector<uint64_t>{0});  // Only the oldest, whole.
  EXPECT_EQ(small.counters().bytes_held, 22u);
  EXPECT_EQ(small.counters().evicted_fragments, 1u);
  EXPECT_EQ(small.counters().evicted_frames, 1u);
  UploadCursor cursor = small.OpenCursor();
  ReadState state;
  EXPECT_EQ(Drain(&small, &cursor, &state), "HB" + ten + "C" + ten);
}

TEST_F(ContentStoreTest, NeverEvictsTheFragmentBeingRead) {
  ContentStore small(20, FreeRule::kOnPersisted);
  small.SetHeader(1, MakeBytes({'H'}));
  std::vector<uint64_t> evicted;
  small.SetEvictionListener([&](const FragmentInfo& info, DropReason why) {
    evicted.push_back(info.index);
  });
  ASSERT_TRUE(small.BeginFragment(1, {Text("A")}, 0).ok());
  ASSERT_TRUE(small.AppendFrame(Text(""), Text("0123456789")).ok());
  ASSERT_TRUE(small.BeginFragment(2, {Text("B")}, 0).ok());
  UploadCursor cursor = small.OpenCursor();
  uint8_t buf[4];
  ReadState state;
  ASSERT_EQ(small.Read(&cursor, buf, 4, &state), 4u);  // Inside fragment 0.
  Status s = small.AppendFrame(Text(""), Text("0123456789"));
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  // Fragment 0 is on the wire; the open one is dropped whole rather than
  // sent in part (the producer restarts at its next key frame).
  EXPECT_EQ(evicted, std::vector<uint64_t>{1});
  EXPECT_EQ(small.counters().bytes_held, 11u);
  EXPECT_EQ(small.AppendFrame(Text(""), Text("x")).code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(small.BeginFragment(3, {Text("C")}, 0).ok());
  EXPECT_EQ(Drain(&small, &cursor, &state), "23456789C");
}

// Fragments already handed to the socket go first: their bytes are on the
// way. They count as dropped only if their session ends unacknowledged.
TEST_F(ContentStoreTest, EvictsInFlightFirstAndReportsOnlyTheLostOnes) {
  ContentStore small(30, FreeRule::kOnPersisted);
  small.SetHeader(1, MakeBytes({'H'}));
  std::vector<std::pair<uint64_t, DropReason>> dropped;
  small.SetEvictionListener([&](const FragmentInfo& info, DropReason why) {
    dropped.emplace_back(info.index, why);
  });
  const std::string ten(10, 'x');
  ASSERT_TRUE(small.BeginFragment(1, {Text("A")}, 0).ok());
  ASSERT_TRUE(small.AppendFrame(Text(""), Text(ten)).ok());  // 11
  ASSERT_TRUE(small.BeginFragment(2, {Text("B")}, 0).ok());
  ASSERT_TRUE(small.AppendFrame(Text(""), Text(ten)).ok());  // 22
  UploadCursor cursor = small.OpenCursor();
  ReadState state;
  EXPECT_EQ(Drain(&small, &cursor, &state), "HA" + ten + "B" + ten);
  ASSERT_TRUE(small.BeginFragment(3, {Text("C")}, 0).ok());
  EXPECT_EQ(Drain(&small, &cursor, &state), "C");            // A, B sent.
  ASSERT_TRUE(small.AppendFrame(Text(""), Text(ten)).ok());  // 33 > 30: A
  ASSERT_TRUE(small.BeginFragment(4, {Text("D")}, 0).ok());
  ASSERT_TRUE(small.AppendFrame(Text(""), Text(ten)).ok());  // ... and B.
  EXPECT_TRUE(dropped.empty());  // A and B went, in flight: not reported.
  EXPECT_EQ(small.counters().bytes_held, 22u);
  EXPECT_TRUE(small.Acknowledge(0, AckLevel::kPersisted));  // A arrived.
  small.ReleaseCursor(cursor);  // B never acknowledged: lost.
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0], std::make_pair(uint64_t{1}, DropReason::kLostInFlight));
  EXPECT_EQ(small.counters().evicted_fragments, 1u);
  UploadCursor replay = small.OpenCursor();
  EXPECT_EQ(replay.fragment, 2u);
}

TEST_F(ContentStoreTest, ReceivedAndSentRules) {
  ContentStore received(1000, FreeRule::kOnReceived);
  received.SetHeader(1, MakeBytes({'H'}));
  ASSERT_TRUE(received.BeginFragment(1, {Text("A")}, 0).ok());
  received.Finish();
  EXPECT_TRUE(received.Acknowledge(0, AckLevel::kReceived));
  EXPECT_TRUE(received.Drained());

  ContentStore sent(1000, FreeRule::kOnSent);
  sent.SetHeader(1, MakeBytes({'H'}));
  ASSERT_TRUE(sent.BeginFragment(1, {Text("A")}, 0).ok());
  sent.Finish();
  UploadCursor cursor = sent.OpenCursor();
  ReadState state;
  EXPECT_EQ(Drain(&sent, &cursor, &state), "HA");
  EXPECT_EQ(state, ReadState::kEnd);
  EXPECT_TRUE(sent.Drained());
}

TEST_F(ContentStoreTest, SkipFreesAndReaderJumpsOver) {
  ASSERT_TRUE(store_.BeginFragment(1, {Text("A")}, 0).ok());
  ASSERT_TRUE(store_.BeginFragment(2, {Text("B")}, 0).ok());
  FragmentInfo info;
  ASSERT_TRUE(store_.Skip(0, &info));
  EXPECT_EQ(info.timecode, 1);
  UploadCursor cursor = store_.OpenCursor();
  ReadState state;
  EXPECT_EQ(Drain(&store_, &cursor, &state), "HDRB");
}

TEST_F(ContentStoreTest, HeaderChangeStopsTheBodyAtTheFragmentBoundary) {
  ASSERT_TRUE(store_.BeginFragment(1, {Text("A")}, 0).ok());
  store_.SetHeader(2, MakeBytes({'N', 'E', 'W'}));
  ASSERT_TRUE(store_.BeginFragment(2, {Text("B")}, 0).ok());
  UploadCursor cursor = store_.OpenCursor();
  ReadState state;
  EXPECT_EQ(Drain(&store_, &cursor, &state), "HDRA");
  EXPECT_EQ(state, ReadState::kBoundary);
  store_.Acknowledge(0, AckLevel::kPersisted);
  UploadCursor next = store_.OpenCursor();
  EXPECT_EQ(Drain(&store_, &next, &state), "NEWB");
}

}  // namespace
}  // namespace kvs

namespace kvs {
namespace {

// A session may connect before the caps arrive: its body must start with
// the header the first fragment uses, whenever that header appears.
TEST(ContentStoreHeaderTest, CursorOpenedBeforeAnyHeader) {
  ContentStore store(1000, FreeRule::kOnPersisted);
  int wakeups = 0;
  store.SetDataListener([&] { ++wakeups; });
  UploadCursor cursor = store.OpenCursor();
  uint8_t buf[64];
  ReadState state;
  EXPECT_EQ(store.Read(&cursor, buf, sizeof(buf), &state), 0u);
  EXPECT_EQ(state, ReadState::kWaiting);
  store.SetHeader(7, MakeBytes({'H'}));
  ASSERT_TRUE(store.BeginFragment(1, {Piece::Copy({'C'})}, 0).ok());
  EXPECT_EQ(wakeups, 1);
  size_t n = store.Read(&cursor, buf, sizeof(buf), &state);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), n), "HC");
}

}  // namespace
}  // namespace kvs

namespace kvs {
namespace {

Piece Bytes10(int64_t stamp = 0) {
  Piece p = Piece::Copy(std::vector<uint8_t>(10, 'x'));
  p.stamp_ns = stamp;
  return p;
}

StoreOptions Offline(uint64_t max_bytes) {
  StoreOptions options;
  options.max_bytes = max_bytes;
  options.block_when_full = true;
  return options;
}

TEST(ContentStoreOfflineTest, WaitsForAcksInsteadOfEvicting) {
  ContentStore store(Offline(25));
  store.SetHeader(1, MakeBytes({'H'}));
  ASSERT_TRUE(store.BeginFragment(1, {Piece::Copy({'A'})}, 0).ok());
  ASSERT_TRUE(store.AppendFrame(Piece::Copy({}), Bytes10()).ok());    // 11
  ASSERT_TRUE(store.BeginFragment(2, {Piece::Copy({'B'})}, 0).ok());  // 12
  ASSERT_TRUE(store.AppendFrame(Piece::Copy({}), Bytes10()).ok());    // 22
  std::promise<Status> waited;
  std::thread producer([&] { waited.set_value(store.WaitForRoom(10)); });
  auto future = waited.get_future();
  // Still blocked: nothing was freed (a bounded check, not a sleep-and-hope:
  // the assertion below is what matters).
  EXPECT_EQ(future.wait_for(std::chrono::milliseconds(50)),
            std::future_status::timeout);
  ASSERT_TRUE(store.Acknowledge(0, AckLevel::kPersisted));  // Frees 11.
  EXPECT_TRUE(future.get().ok());
  producer.join();
  EXPECT_TRUE(store.AppendFrame(Piece::Copy({}), Bytes10()).ok());
}

// A frame the producer did not announce with WaitForRoom() (one the
// packager held back to interleave) waits in AppendFrame() too: offline
// never evicts nor refuses while ACKs can still free room.
TEST(ContentStoreOfflineTest, AppendWaitsForAcksInsteadOfRefusing) {
  ContentStore store(Offline(25));
  store.SetHeader(1, MakeBytes({'H'}));
  ASSERT_TRUE(store.BeginFragment(1, {Piece::Copy({'A'})}, 0).ok());
  ASSERT_TRUE(store.AppendFrame(Piece::Copy({}), Bytes10()).ok());    // 11
  ASSERT_TRUE(store.BeginFragment(2, {Piece::Copy({'B'})}, 0).ok());  // 12
  ASSERT_TRUE(store.AppendFrame(Piece::Copy({}), Bytes10()).ok());    // 22
  std::promise<Status> appended;
  std::thread producer([&] {
    appended.set_value(store.AppendFrame(Piece::Copy({}), Bytes10()));
  });
  auto future = appended.get_future();
  EXPECT_EQ(future.wait_for(std::chrono::milliseconds(50)),
            std::future_status::timeout);
  ASSERT_TRUE(store.Acknowledge(0, AckLevel::kPersisted));  // Frees 11.
  EXPECT_TRUE(future.get().ok());
  producer.join();
  EXPECT_EQ(store.counters().evicted_fragments, 0u);
  EXPECT_EQ(store.counters().frames_in, 3u);
  EXPECT_EQ(store.counters().bytes_held, 21u);
  // Only the open fragment is held: waiting can't help, refused at once.
  EXPECT_EQ(store.AppendFrame(Piece::Copy({}), Bytes10()).code(),
            StatusCode::kResourceExhausted);
  // A stop cancels an append that waits.
  ASSERT_TRUE(store.BeginFragment(3, {Piece::Copy({'C'})}, 0).ok());
  std::promise<Status> cancelled;
  std::thread stopped([&] {
    cancelled.set_value(store.AppendFrame(Piece::Copy({}), Bytes10()));
  });
  auto stop = cancelled.get_future();
  // It waits (no room), so the cancel below wakes a waiter.
  EXPECT_EQ(stop.wait_for(std::chrono::milliseconds(50)),
            std::future_status::timeout);
  store.CancelWaits();
  EXPECT_EQ(stop.get().code(), StatusCode::kCancelled);
  stopped.join();
}

TEST(ContentStoreOfflineTest, CancelWakesWaitersAndOnlyOpenFragmentFailsFast) {
  ContentStore store(Offline(25));
  store.SetHeader(1, MakeBytes({'H'}));
  ASSERT_TRUE(store.BeginFragment(1, {Piece::Copy({'A'})}, 0).ok());
  ASSERT_TRUE(store.AppendFrame(Piece::Copy({}), Bytes10()).ok());
  // Only the open fragment is held: waiting could never help.
  EXPECT_EQ(store.WaitForRoom(100).code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(store.BeginFragment(2, {Piece::Copy({'B'})}, 0).ok());
  std::promise<Status> waited;
  std::thread producer([&] { waited.set_value(store.WaitForRoom(100)); });
  auto wait = waited.get_future();
  EXPECT_EQ(wait.wait_for(std::chrono::milliseconds(50)),
            std::future_status::timeout);
  store.CancelWaits();
  EXPECT_EQ(wait.get().code(), StatusCode::kCancelled);
  producer.join();
  EXPECT_EQ(store.WaitForRoom(1).code(), StatusCode::kCancelled);
  store.ResumeWaits();
  EXPECT_TRUE(store.WaitForRoom(1).ok());
}

TEST(ContentStoreDurationTest, RealtimeEvictsBeyondBufferDuration) {
  StoreOptions options;
  options.max_bytes = 1 << 20;
  options.max_duration_ms = 2000;
  ContentStore store(options);
  store.SetHeader(1, MakeBytes({'H'}));
  for (int64_t t : {0, 1000, 2000}) {
    ASSERT_TRUE(store.BeginFragment(t, {Piece::Copy({'C'})}, 0).ok());
  }
  EXPECT_EQ(store.counters().evicted_fragments, 0u);
  ASSERT_TRUE(store.BeginFragment(3000, {Piece::Copy({'C'})}, 0).ok());
  EXPECT_EQ(store.counters().evicted_fragments, 1u);  // The one at 0.
  UploadCursor cursor = store.OpenCursor();
  EXPECT_EQ(cursor.fragment, 1u);
}

TEST(ContentStoreMetricsTest, LatenciesAndViews) {
  ManualClock clock(0, 1000);
  StoreOptions options;
  options.max_bytes = 1 << 20;
  options.clock = &clock;
  ContentStore store(options);
  store.SetHeader(1, MakeBytes({'H'}));
  ASSERT_TRUE(store.BeginFragment(5000, {Piece::Copy({'C'})}, 1000).ok());
  ASSERT_TRUE(store.AppendFrame(Piece::Copy({'b'}), Bytes10(1000)).ok());
  ASSERT_TRUE(store.BeginFragment(7000, {Piece::Copy({'D'})}, 1000).ok());
  ContentStore::Metrics before = store.GetMetrics();
  EXPECT_EQ(before.unsent_bytes, 13u);
  EXPECT_EQ(before.held_duration_ms, 2000);
  EXPECT_EQ(before.counters.frames_in, 1u);
  clock.Advance(300);
  UploadCursor cursor = store.OpenCursor();
  uint8_t buf[64];
  ReadState state;
  store.Read(&cursor, buf, sizeof(buf), &state);
  clock.Advance(700);
  store.Acknowledge(0, AckLevel::kReceived);
  clock.Advance(1000);
  store.Acknowledge(0, AckLevel::kPersisted);
  ContentStore::Metrics after = store.GetMetrics();
  EXPECT_EQ(after.frame_to_socket.count(), 1u);
  EXPECT_EQ(after.frame_to_socket.max(), 300);
  EXPECT_EQ(after.frame_to_received.max(), 1000);
  EXPECT_EQ(after.frame_to_persisted.max(), 2000);
  EXPECT_EQ(after.counters.bytes_read, 14u);  // "H" "C" "b" 10x "x" "D"
  EXPECT_EQ(after.counters.fragments_held, 1u);
  // Only the first fragment was read to its end (the second is open).
  EXPECT_EQ(after.counters.fragments_sent, 1u);
  store.ReleaseCursor(cursor);
  store.Finish();
  UploadCursor replay = store.OpenCursor();
  store.Read(&replay, buf, sizeof(buf), &state);
  EXPECT_EQ(store.GetMetrics().counters.fragments_sent, 2u);
}

// Per-client totals: every live store's storage-size and bytes held, kept
// as bytes come and go, and forgotten when the store goes.
TEST(ContentStoreMetricsTest, ClientTotalsFollowEveryStore) {
  ContentStore::ClientTotals base = ContentStore::Totals();
  {
    ContentStore a(1000, FreeRule::kOnPersisted);
    ContentStore b(500, FreeRule::kOnPersisted);
    ContentStore::ClientTotals two = ContentStore::Totals();
    EXPECT_EQ(two.stores, base.stores + 2);
    EXPECT_EQ(two.max_bytes, base.max_bytes + 1500);
    EXPECT_EQ(two.bytes_held, base.bytes_held);
    ASSERT_TRUE(a.BeginFragment(1000, {Text("C1")}, 0).ok());
    ASSERT_TRUE(a.AppendFrame(Text("b"), Text("xyz")).ok());
    ASSERT_TRUE(b.BeginFragment(1000, {Text("C")}, 0).ok());
    EXPECT_EQ(ContentStore::Totals().bytes_held, base.bytes_held + 7);
    a.Finish();
    UploadCursor cursor = a.OpenCursor();
    uint8_t buf[16];
    ReadState state;
    a.Read(&cursor, buf, sizeof(buf), &state);
    EXPECT_TRUE(a.Acknowledge(0, AckLevel::kPersisted));
    EXPECT_EQ(ContentStore::Totals().bytes_held, base.bytes_held + 1);
  }
  ContentStore::ClientTotals after = ContentStore::Totals();
  EXPECT_EQ(after.stores, base.stores);
  EXPECT_EQ(after.max_bytes, base.max_bytes);
  EXPECT_EQ(after.bytes_held, base.bytes_held);
}

}  // namespace
}  // namespace kvs
