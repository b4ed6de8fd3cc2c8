// Uploader recovery: storms after start, a stream that disappears, the
// replay window, credentials expiring mid-stream (issue 5).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "kvscore/net/network_thread.h"
#include "kvscore/net/uploader.h"
#include "tests/unit/net/fake_kvs.h"

namespace kvs {
namespace {

using kvs_test::RequestHead;
using test::FakeKvs;
using test::FakeKvsScript;
using test::MarkerCounts;
using test::RecordingListener;
using test::Text;
using test::UploaderTest;

int CountOf(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<int>(std::count(v.begin(), v.end(), x));
}

// Once the stream worked, a control-plane storm longer than the start-up
// attempt budget is waited out instead of ending the stream.
TEST_F(UploaderTest, ControlPlaneStormAfterStartIsRetriedWithoutLimit) {
  FakeKvsScript script;
  script.drop_first_connection_after_bytes = 20;  // Forces a reconnect ...
  script.endpoint_failures_after_first = 8;       // ... into a 503 storm.
  FakeKvs kvs(script);
  refresh_after_failures_ = 1;  // The drop refreshes the endpoint.
  Build(kvs.url());
  AddFragment(1000, "0123456789abcdef");
  uploader_->Start();
  ASSERT_TRUE(listener_.WaitFor([&] { return listener_.retries >= 9; }));
  AddFragment(2000, "second");
  FinishStream();
  uploader_->Drain(20000);
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.drained.empty(); }));
  EXPECT_TRUE(listener_.drained[0].ok()) << listener_.drained[0].ToString();
  EXPECT_TRUE(listener_.fatal.empty());
  EXPECT_EQ(CountOf(kvs.requests(), "/getDataEndpoint"), 10);
  EXPECT_EQ(kvs.bodies().back(),
            "HDR<F:1000>b0123456789abcdef<F:2000>bsecond<END>");
}

// ERROR 4008 (stream not active, e.g. deleted): the fragment is fine, so it
// is not skipped; the stream is described (and recreated) and it is resent.
TEST_F(UploaderTest, StreamGoneAckDescribesAgainAndResendsTheFragment) {
  FakeKvsScript script;
  script.error_ack_timecode = 1000;
  script.error_ack_id = 4008;
  script.error_ack_first_connection_only = true;
  FakeKvs kvs(script);
  Build(kvs.url());
  AddFragment(1000, "kept");
  AddFragment(2000, "next");
  uploader_->Start();
  FinishStream();
  uploader_->Drain(20000);
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.drained.empty(); }));
  EXPECT_TRUE(listener_.drained[0].ok()) << listener_.drained[0].ToString();
  EXPECT_TRUE(listener_.skipped.empty());
  EXPECT_EQ(CountOf(kvs.requests(), "/describeStream"), 2);
  // The new session resends 1000; 2000 too unless its ACKs arrived before
  // the ERROR was handled, in which case 1000 is closed with an
  // end-of-fragment tag so KVS acknowledges it.
  std::string last = kvs.bodies().back();
  EXPECT_EQ(last.rfind("HDR<F:1000>bkept", 0), 0u) << last;
  EXPECT_TRUE(last == "HDR<F:1000>bkept<F:2000>bnext<END>" ||
              last.find("AWS_KINESISVIDEO_END_OF_FRAGMENT") !=
                  std::string::npos)
      << last;
}

class DropRecorder : public RecordingListener {
 public:
  void OnFragmentDropped(const FragmentInfo& info, DropReason reason) override {
    std::lock_guard<std::mutex> lock(mutex);
    dropped.emplace_back(info.timecode, reason);
    cond.notify_all();
  }
  std::vector<std::pair<int64_t, DropReason>> dropped;
};

// A realtime session replays at most replay-duration back from the newest
// fragment; what is older is dropped and reported, not sent.
TEST(UploaderReplayTest, ReplayWindowDropsAndReportsOldFragments) {
  FakeKvsScript script;
  script.ack_first_connection = false;  // Nothing acknowledged at first.
  script.drop_first_connection_after_bytes = 40;
  FakeKvs kvs(script);
  auto thread = NetworkThread::Acquire();
  ContentStore store(1 << 20, FreeRule::kOnPersisted);
  store.SetHeader(1, MakeBytes({'H', 'D', 'R'}));
  UploaderConfig config;
  config.stream_name = "s";
  config.control_plane_url = kvs.url();
  config.backoff_base_ms = 1;
  config.backoff_cap_ms = 5;
  config.replay_duration_ms = 1500;
  DropRecorder listener;
  auto uploader = std::make_shared<Uploader>(
      thread, &store, config,
      [](bool, std::function<void(Result<Credentials>)> done) {
        Credentials c;
        c.access_key_id = "AKIDEXAMPLE";
        c.secret_access_key = "secret";
        done(c);
      },
      SystemClock(), &listener);
  for (int64_t t : {1000, 2000, 3000}) {
    ASSERT_TRUE(
        store.BeginFragment(t, {Text("<F:" + std::to_string(t) + ">")}, 0)
            .ok());
    ASSERT_TRUE(store.AppendFrame(Text("b"), Text("0123456789")).ok());
  }
  uploader->Start();
  store.EndFragment({Text("<END>")});
  store.Finish();
  uploader->Drain(20000);
  ASSERT_TRUE(listener.WaitFor([&] { return !listener.drained.empty(); }));
  EXPECT_TRUE(listener.drained[0].ok()) << listener.drained[0].ToString();
  uploader->Stop();
  // The reconnect starts at 3000 - 1500: fragment 1000 is dropped.
  ASSERT_EQ(listener.dropped.size(), 1u);
  EXPECT_EQ(listener.dropped[0].first, 1000);
  EXPECT_EQ(listener.dropped[0].second, DropReason::kReplayWindow);
  EXPECT_EQ(kvs.bodies().back(),
            "HDR<F:2000>b0123456789<F:3000>b0123456789<END>");
  EXPECT_EQ(store.counters().evicted_fragments, 1u);
}

}  // namespace
}  // namespace kvs

namespace kvs {
namespace {

// Credentials that expire mid-stream: the session is rotated before they
// do, at a fragment boundary, and the next one is signed with fresh ones.
TEST(UploaderCredentialsTest, RotatesBeforeCredentialsExpire) {
  FakeKvs kvs({});
  auto thread = NetworkThread::Acquire();
  ManualClock clock;
  ContentStore store(1 << 20, FreeRule::kOnPersisted);
  store.SetHeader(1, MakeBytes({'H', 'D', 'R'}));
  UploaderConfig config;
  config.stream_name = "s";
  config.control_plane_url = kvs.url();
  config.watchdog_interval_ms = 10;
  std::atomic<int> fetches{0};
  RecordingListener listener;
  auto uploader = std::make_shared<Uploader>(
      thread, &store, config,
      [&](bool, std::function<void(Result<Credentials>)> done) {
        Credentials c;
        c.access_key_id = fetches++ == 0 ? "AKIDFIRST" : "AKIDSECOND";
        c.secret_access_key = "secret";
        c.session_token = "token";
        c.expiration_ns = clock.RealtimeNs() + 4 * kNsPerSecond;
        done(c);
      },
      clock, &listener);
  auto buffering = [&](int64_t timecode) {
    return listener.WaitFor([&] {
      return std::any_of(listener.acks.begin(), listener.acks.end(),
                         [&](const FragmentAck& a) {
                           return a.type == AckEventType::kBuffering &&
                                  a.fragment_timecode == timecode;
                         });
    });
  };
  auto add = [&](int64_t t) {
    ASSERT_TRUE(
        store.BeginFragment(t, {Text("<F:" + std::to_string(t) + ">")}, 0)
            .ok());
    ASSERT_TRUE(store.AppendFrame(Text("b"), Text("x")).ok());
  };
  uploader->Start();
  add(1000);
  ASSERT_TRUE(buffering(1000));
  // 4 s of life, rotated a quarter early: due after 3 s. The watchdog
  // notices within its interval; fragments keep coming (each waits for its
  // BUFFERING ACK) until the session has rotated.
  clock.Advance(3500 * kNsPerMs);
  int64_t t = 1000;
  while (fetches.load() < 2 && t < 500000) {
    t += 1000;
    add(t);
    ASSERT_TRUE(buffering(t));
  }
  EXPECT_EQ(fetches.load(), 2);
  store.EndFragment({Text("<END>")});
  store.Finish();
  uploader->Drain(20000);
  ASSERT_TRUE(listener.WaitFor([&] { return !listener.drained.empty(); }));
  EXPECT_TRUE(listener.drained[0].ok()) << listener.drained[0].ToString();
  uploader->Stop();
  std::vector<std::string> bodies = kvs.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  std::map<std::string, int> counts = MarkerCounts(bodies);
  EXPECT_EQ(counts.size(), static_cast<size_t>(t / 1000));  // None lost ...
  for (const auto& c : counts)
    EXPECT_EQ(c.second, 1) << c.first;  // ... or
                                        // twice.
  EXPECT_NE(bodies[0].find("AWS_KINESISVIDEO_END_OF_FRAGMENT"),
            std::string::npos);  // The first session closed its fragment.
  RequestHead head = kvs.put_media_head();  // The second session's.
  EXPECT_NE(head.Header("authorization").find("Credential=AKIDSECOND/"),
            std::string::npos);
}

}  // namespace
}  // namespace kvs
