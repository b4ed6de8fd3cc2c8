#include "kvscore/net/uploader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "kvscore/net/network_thread.h"
#include "tests/unit/net/loopback_server.h"

namespace kvs {
namespace {

using kvs_test::LoopbackServer;
using kvs_test::RequestHead;
using kvs_test::ServerConnection;

constexpr auto kHangGuard = std::chrono::seconds(30);

// A scripted KVS. Fragments are marked in the body as "<F:timecode>" and the
// end of the last one as "<END>"; a fragment is acknowledged when the next
// marker arrives, as KVS acks on the next Cluster or the end-of-fragment tag.
struct FakeKvsScript {
  int describe_status = 200;
  bool ack_first_connection = true;  // false: connection 0 never ACKs.
  std::string describe_error_type;
  bool ack = true;
  int64_t drop_first_connection_after_bytes = -1;
  int64_t error_ack_timecode = -1;
  int error_ack_id = 0;
  bool error_ack_first_connection_only = false;
  // GetDataEndpoint answers 503 this many times after its first success.
  int endpoint_failures_after_first = 0;
};

class FakeKvs {
 public:
  explicit FakeKvs(FakeKvsScript script)
      : script_(script), server_([this](ServerConnection& c) { Serve(c); }) {}

  std::string url() const { return server_.url(); }

  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_;
  }
  RequestHead put_media_head() {
    std::lock_guard<std::mutex> lock(mutex_);
    return put_media_head_;
  }

 private:
  void Serve(ServerConnection& c) {
    RequestHead head;
    while (c.ReadHead(&head)) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(head.target);
      }
      if (head.target == "/putMedia") return PutMedia(c, head);
      std::string body;
      c.ReadBody(std::stoul(head.Header("content-length")), &body);
      if (head.target == "/describeStream") {
        if (script_.describe_status != 200) {
          c.Respond(script_.describe_status,
                    "{\"message\":\"scripted failure\"}",
                    {"x-amzn-ErrorType: " + script_.describe_error_type});
          continue;
        }
        c.Respond(200,
                  "{\"StreamInfo\":{\"StreamName\":\"s\",\"StreamARN\":"
                  "\"arn:aws:kinesisvideo:us-west-2:1:stream/s/1\","
                  "\"Status\":\"ACTIVE\",\"DataRetentionInHours\":2}}");
      } else if (head.target == "/getDataEndpoint") {
        if (EndpointShouldFail()) {
          c.Respond(503, "{\"message\":\"scripted storm\"}",
                    {"x-amzn-ErrorType: ServiceUnavailable"});
          continue;
        }
        c.Respond(200, "{\"DataEndpoint\":\"" + url() + "\"}");
      } else {
        c.Respond(400, "{}");
      }
    }
  }

  void SendAck(ServerConnection& c, const char* type, int64_t timecode) {
    c.WriteChunk(std::string("{\"EventType\":\"") + type +
                 "\",\"FragmentTimecode\":" + std::to_string(timecode) +
                 ",\"FragmentNumber\":\"9" + std::to_string(timecode) +
                 "\"}\n");
  }

  void SendAcks(ServerConnection& c, int64_t timecode, int connection) {
    bool error_here =
        !script_.error_ack_first_connection_only || connection == 0;
    if (timecode == script_.error_ack_timecode && error_here) {
      c.WriteChunk("{\"EventType\":\"ERROR\",\"FragmentTimecode\":" +
                   std::to_string(timecode) + ",\"ErrorId\":" +
                   std::to_string(script_.error_ack_id) + "}\n");
      return;
    }
    for (const char* type : {"RECEIVED", "PERSISTED"}) {
      c.WriteChunk(std::string("{\"EventType\":\"") + type +
                   "\",\"FragmentTimecode\":" + std::to_string(timecode) +
                   ",\"FragmentNumber\":\"9" + std::to_string(timecode) +
                   "\"}\n");
    }
  }

  void PutMedia(ServerConnection& c, const RequestHead& head) {
    int connection;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      put_media_head_ = head;
      connection = static_cast<int>(bodies_.size());
      bodies_.emplace_back();
    }
    c.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    std::string body, chunk;
    bool ended = false;
    int64_t open = -1;
    size_t scanned = 0;
    static const std::regex kMarker("<F:(\\d+)>|<END>|AWS_KINESISVIDEO_END");
    while (c.ReadChunk(&chunk, &ended)) {
      body += chunk;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        bodies_[connection] = body;
      }
      if (connection == 0 && script_.drop_first_connection_after_bytes >= 0 &&
          static_cast<int64_t>(body.size()) >
              script_.drop_first_connection_after_bytes) {
        return c.Reset();
      }

      auto begin =
          std::sregex_iterator(body.begin() + scanned, body.end(), kMarker);
      for (auto it = begin; it != std::sregex_iterator(); ++it) {
        scanned = body.size();
        if (open >= 0 && Acks(connection)) SendAcks(c, open, connection);
        open = (*it)[1].matched ? std::stoll((*it)[1].str()) : -1;
        if (open >= 0 && Acks(connection) &&
            open != script_.error_ack_timecode) {
          SendAck(c, "BUFFERING", open);
        }
      }
    }
    if (open >= 0 && Acks(connection)) SendAcks(c, open, connection);
    if (ended) c.WriteChunk("");
  }

  bool EndpointShouldFail() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (endpoint_calls_++ == 0 || endpoint_failures_left_ == 0) return false;
    --endpoint_failures_left_;
    return true;
  }

  bool Acks(int connection) const {
    return script_.ack && (connection > 0 || script_.ack_first_connection);
  }

  FakeKvsScript script_;
  std::mutex mutex_;  // Guards the members below.
  int endpoint_calls_ = 0;
  int endpoint_failures_left_ = script_.endpoint_failures_after_first;
  std::vector<std::string> requests_;
  std::vector<std::string> bodies_;
  RequestHead put_media_head_;
  LoopbackServer server_;
};

// Records what the engine reports and lets the test wait for it.
class RecordingListener : public Uploader::Listener {
 public:
  void OnAck(const FragmentAck& ack, const FragmentInfo* info) override {
    Record([&] { acks.push_back(ack); });
  }
  void OnFragmentSkipped(const FragmentInfo& info,
                         const Status& status) override {
    Record([&] { skipped.push_back(info.timecode); });
  }
  void OnRetry(const Status& status, int64_t delay_ms) override {
    Record([&] { ++retries; });
  }
  void OnFatalError(const Status& status) override {
    Record([&] { fatal.push_back(status); });
  }
  void OnDrained(const Status& status) override {
    Record([&] { drained.push_back(status); });
  }

  // Waits until `predicate` holds (under the lock); false on a hang.
  bool WaitFor(const std::function<bool()>& predicate) {
    std::unique_lock<std::mutex> lock(mutex);
    return cond.wait_for(lock, kHangGuard, predicate);
  }

  std::mutex mutex;
  std::condition_variable cond;
  std::vector<FragmentAck> acks;
  std::vector<int64_t> skipped;
  std::vector<Status> fatal;
  std::vector<Status> drained;
  int retries = 0;

 private:
  void Record(const std::function<void()>& fn) {
    std::lock_guard<std::mutex> lock(mutex);
    fn();
    cond.notify_all();
  }
};

Piece Text(const std::string& s) {
  return Piece::Copy(std::vector<uint8_t>(s.begin(), s.end()));
}

class UploaderTest : public ::testing::Test {
 protected:
  void Build(const std::string& control_url) {
    thread_ = NetworkThread::Acquire();
    store_.SetHeader(1, MakeBytes({'H', 'D', 'R'}));
    UploaderConfig config;
    config.stream_name = "s";
    config.control_plane_url = control_url;
    config.allow_create_stream = allow_create_;
    config.backoff_base_ms = 1;
    config.backoff_cap_ms = 5;
    config.health = health_;
    config.watchdog_interval_ms = 10;
    config.session_failures_before_endpoint_refresh = refresh_after_failures_;
    config.end_idle_fragment = [this] {
      std::lock_guard<std::mutex> lock(listener_.mutex);
      ++idle_ends_;
      listener_.cond.notify_all();
    };
    uploader_ = std::make_shared<Uploader>(
        thread_, &store_, config,
        [this](bool force, std::function<void(Result<Credentials>)> done) {
          ++fetches_;
          forced_ += force ? 1 : 0;
          Credentials c;
          c.access_key_id = "AKIDEXAMPLE";
          c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
          done(c);
        },
        *clock_, &listener_);
  }
  void TearDown() override {
    if (uploader_) uploader_->Stop();
  }
  void AddFragment(int64_t timecode, const std::string& payload) {
    ASSERT_TRUE(
        store_
            .BeginFragment(timecode,
                           {Text("<F:" + std::to_string(timecode) + ">")}, 0)
            .ok());
    ASSERT_TRUE(store_.AppendFrame(Text("b"), Text(payload)).ok());
  }
  void FinishStream() {
    store_.EndFragment({Text("<END>")});
    store_.Finish();
  }

  std::shared_ptr<NetworkThread> thread_;
  ContentStore store_{1 << 20, FreeRule::kOnPersisted};
  RecordingListener listener_;
  std::shared_ptr<Uploader> uploader_;
  bool allow_create_ = true;
  int refresh_after_failures_ = 2;
  HealthLimits health_;
  ManualClock manual_clock_;
  const Clock* clock_ = &SystemClock();
  std::atomic<int> idle_ends_{0};
  std::atomic<int> fetches_{0};
  std::atomic<int> forced_{0};
};

TEST_F(UploaderTest, StreamsSignedPutMediaAndDrainsOnLastAck) {
  FakeKvs kvs({});
  Build(kvs.url());
  uploader_->Start();
  AddFragment(1000, "frame-a");  // Buffered while connecting.
  AddFragment(2000, "frame-b");
  FinishStream();
  uploader_->Drain(20000);
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.drained.empty(); }));
  EXPECT_TRUE(listener_.drained[0].ok()) << listener_.drained[0].ToString();
  EXPECT_TRUE(listener_.fatal.empty());
  EXPECT_TRUE(store_.Drained());
  EXPECT_EQ(kvs.requests(),
            (std::vector<std::string>{"/describeStream", "/getDataEndpoint",
                                      "/putMedia"}));
  EXPECT_EQ(kvs.bodies().at(0), "HDR<F:1000>bframe-a<F:2000>bframe-b<END>");
  RequestHead head = kvs.put_media_head();
  EXPECT_EQ(head.Header("x-amzn-stream-name"), "s");
  EXPECT_EQ(head.Header("x-amzn-fragment-timecode-type"), "ABSOLUTE");
  EXPECT_EQ(head.Header("x-amzn-fragment-acknowledgment-required"), "1");
  EXPECT_EQ(head.Header("transfer-encoding"), "chunked");
  EXPECT_TRUE(std::regex_match(head.Header("x-amzn-producer-start-timestamp"),
                               std::regex("\\d{10}\\.\\d{3}")));
  EXPECT_TRUE(std::regex_search(
      head.Header("authorization"),
      std::regex("^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/us-west-2/"
                 "kinesisvideo/aws4_request, SignedHeaders=host;[a-z;-]*"
                 "x-amzn-stream-name[a-z;-]*, Signature=[0-9a-f]{64}$")));
  std::lock_guard<std::mutex> lock(listener_.mutex);
  ASSERT_EQ(listener_.acks.size(), 6u);
  EXPECT_EQ(listener_.acks[2].type, AckEventType::kPersisted);
  EXPECT_EQ(listener_.acks[5].fragment_timecode, 2000);
}

TEST_F(UploaderTest, MissingStreamWithoutCreateIsFatal) {
  FakeKvsScript script;
  script.describe_status = 404;
  script.describe_error_type = "ResourceNotFoundException";
  FakeKvs kvs(script);
  allow_create_ = false;
  Build(kvs.url());
  uploader_->Start();
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.fatal.empty(); }));
  EXPECT_EQ(listener_.fatal[0].code(), StatusCode::kResourceNotFound);
  EXPECT_EQ(listener_.fatal[0].http_status(), 404);
  EXPECT_EQ(listener_.fatal[0].aws_error_type(), "ResourceNotFoundException");
  EXPECT_EQ(kvs.requests(), std::vector<std::string>{"/describeStream"});
}

TEST_F(UploaderTest, ForbiddenRefreshesCredentialsOnceThenFails) {
  FakeKvsScript script;
  script.describe_status = 403;
  script.describe_error_type = "UnrecognizedClientException";
  FakeKvs kvs(script);
  Build(kvs.url());
  uploader_->Start();
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.fatal.empty(); }));
  EXPECT_EQ(listener_.fatal[0].code(), StatusCode::kNotAuthorized);
  EXPECT_EQ(fetches_.load(), 2);
  EXPECT_EQ(forced_.load(), 1);
  EXPECT_EQ(kvs.requests().size(), 2u);
}

TEST_F(UploaderTest, RefusedConnectionFailsAfterBoundedRetries) {
  Build("http://127.0.0.1:" + std::to_string(LoopbackServer::ClosedPort()));
  uploader_->Start();
  uploader_->Drain(60000);
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.drained.empty(); }));
  ASSERT_EQ(listener_.fatal.size(), 1u);
  EXPECT_EQ(listener_.fatal[0].code(), StatusCode::kConnectFailed);
  EXPECT_NE(listener_.fatal[0].message().find("gave up after 5 attempts"),
            std::string::npos);
  EXPECT_EQ(listener_.retries, 4);
  EXPECT_EQ(listener_.drained[0].code(), StatusCode::kConnectFailed);
}

TEST_F(UploaderTest, DroppedConnectionReplaysUnacknowledgedFragments) {
  FakeKvsScript script;
  script.drop_first_connection_after_bytes = 20;  // Inside fragment 1000.
  FakeKvs kvs(script);
  Build(kvs.url());
  AddFragment(1000, "0123456789abcdef");
  uploader_->Start();
  ASSERT_TRUE(listener_.WaitFor([&] { return listener_.retries >= 1; }));
  AddFragment(2000, "second");
  FinishStream();
  uploader_->Drain(20000);
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.drained.empty(); }));
  EXPECT_TRUE(listener_.drained[0].ok()) << listener_.drained[0].ToString();
  std::vector<std::string> bodies = kvs.bodies();
  ASSERT_GE(bodies.size(), 2u);
  EXPECT_EQ(bodies.back(), "HDR<F:1000>b0123456789abcdef<F:2000>bsecond<END>");
  // Only the reconnect's PutMedia; the endpoint was cached.
  std::vector<std::string> requests = kvs.requests();
  EXPECT_EQ(std::count(requests.begin(), requests.end(), "/getDataEndpoint"),
            1);
}

TEST_F(UploaderTest, DrainIsBoundedWhenAcksNeverCome) {
  FakeKvsScript script;
  script.ack = false;
  FakeKvs kvs(script);
  Build(kvs.url());
  uploader_->Start();
  AddFragment(1000, "x");
  FinishStream();
  uploader_->Drain(300);
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.drained.empty(); }));
  EXPECT_EQ(listener_.drained[0].code(), StatusCode::kTimeout);
  EXPECT_FALSE(store_.Drained());
}

TEST_F(UploaderTest, NonRetriableErrorAckSkipsTheFragmentAndGoesOn) {
  FakeKvsScript script;
  script.error_ack_timecode = 1000;
  script.error_ack_id = 4004;
  FakeKvs kvs(script);
  Build(kvs.url());
  AddFragment(1000, "bad");
  AddFragment(2000, "good");
  uploader_->Start();
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.skipped.empty(); }));
  FinishStream();
  uploader_->Drain(20000);
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.drained.empty(); }));
  EXPECT_TRUE(listener_.drained[0].ok()) << listener_.drained[0].ToString();
  EXPECT_EQ(listener_.skipped, std::vector<int64_t>{1000});
  // The next session resumes at the following fragment.
  EXPECT_EQ(kvs.bodies().back(), "HDR<F:2000>bgood<END>");
}

}  // namespace
}  // namespace kvs

namespace kvs {
namespace {

// Counts each "<F:n>" marker across every PutMedia body.
std::map<std::string, int> MarkerCounts(
    const std::vector<std::string>& bodies) {
  std::map<std::string, int> counts;
  static const std::regex kMarker("<F:\\d+>");
  for (const std::string& body : bodies) {
    for (auto it = std::sregex_iterator(body.begin(), body.end(), kMarker);
         it != std::sregex_iterator(); ++it) {
      ++counts[it->str()];
    }
  }
  return counts;
}

TEST_F(UploaderTest, RotatesAtFragmentBoundariesWithoutLossOrDuplicates) {
  FakeKvs kvs({});
  health_.rotation_ns = 30 * kNsPerMs;
  clock_ = &manual_clock_;  // Sessions age only when the test says so.
  Build(kvs.url());
  uploader_->Start();
  for (int i = 0; i < 6; ++i) {
    AddFragment(1000 * (i + 1), "payload-" + std::to_string(i));
    // Let time pass on the network thread: each fragment is acknowledged
    // before the next, so rotations happen between them.
    ASSERT_TRUE(listener_.WaitFor([&] {
      return std::count_if(listener_.acks.begin(), listener_.acks.end(),
                           [&](const FragmentAck& a) {
                             return a.type == AckEventType::kBuffering &&
                                    a.fragment_timecode == 1000 * (i + 1);
                           }) > 0;
    }));
    manual_clock_.Advance(40 * kNsPerMs);  // Due for rotation.
  }
  FinishStream();
  uploader_->Drain(20000);
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.drained.empty(); }));
  EXPECT_TRUE(listener_.drained[0].ok()) << listener_.drained[0].ToString();
  std::vector<std::string> bodies = kvs.bodies();
  EXPECT_GE(bodies.size(), 2u);  // It rotated.
  std::map<std::string, int> counts = MarkerCounts(bodies);
  EXPECT_EQ(counts.size(), 6u);  // Nothing lost ...
  for (const auto& c : counts)
    EXPECT_EQ(c.second, 1) << c.first;  // ... or twice.
  for (const std::string& body : bodies) {
    EXPECT_EQ(body.rfind("HDR", 0), 0u) << "each body starts with the header";
  }
}

TEST_F(UploaderTest, StaleConnectionWithoutBufferingIsReplaced) {
  FakeKvsScript script;
  script.ack_first_connection = false;
  FakeKvs kvs(script);
  health_.staleness_ns = 50 * kNsPerMs;
  Build(kvs.url());
  AddFragment(1000, "stale?");
  uploader_->Start();
  ASSERT_TRUE(listener_.WaitFor([&] { return listener_.retries >= 1; }));
  FinishStream();
  uploader_->Drain(20000);
  ASSERT_TRUE(listener_.WaitFor([&] { return !listener_.drained.empty(); }));
  EXPECT_TRUE(listener_.drained[0].ok()) << listener_.drained[0].ToString();
  std::vector<std::string> bodies = kvs.bodies();
  ASSERT_GE(bodies.size(), 2u);
  EXPECT_EQ(bodies.back(), "HDR<F:1000>bstale?<END>");  // Replayed whole.
  EXPECT_NE(uploader_->counters().last_error.find("connection-staleness"),
            std::string::npos);
}

TEST_F(UploaderTest, IdleProducerGetsItsFragmentClosed) {
  FakeKvs kvs({});
  health_.idle_ns = 20 * kNsPerMs;
  Build(kvs.url());
  uploader_->Start();
  uploader_->NoteFrame(SystemClock().MonotonicNs(), /*fragment_open=*/true);
  ASSERT_TRUE(listener_.WaitFor([&] { return idle_ends_.load() == 1; }));
  // Once closed, it is not closed again until a frame reopens it.
  uploader_->NoteFrame(SystemClock().MonotonicNs(), /*fragment_open=*/false);
  EXPECT_EQ(idle_ends_.load(), 1);
}

}  // namespace
}  // namespace kvs

namespace kvs {
namespace {

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
