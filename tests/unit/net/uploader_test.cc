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
#include "tests/unit/net/fake_kvs.h"
#include "tests/unit/net/loopback_server.h"

namespace kvs {
namespace {

using kvs_test::LoopbackServer;
using kvs_test::RequestHead;
using test::FakeKvs;
using test::FakeKvsScript;
using test::MarkerCounts;
using test::RecordingListener;
using test::Text;
using test::UploaderTest;

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
  script.end_response_after_error = true;
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
  // Handled as the ERROR it is (no backoff), even though the response
  // ended right behind it.
  EXPECT_EQ(listener_.retries, 0);
  // The next session resumes at the following fragment.
  EXPECT_EQ(kvs.bodies().back(), "HDR<F:2000>bgood<END>");
}

}  // namespace
}  // namespace kvs

namespace kvs {
namespace {

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
