// tests/unit/net/fake_kvs.h: a scripted KVS on a loopback server, a
// listener that records what the Uploader reports, and the fixture the
// Uploader tests share (uploader_test.cc, uploader_recovery_test.cc).
//
// Fragments are marked in the body as "<F:timecode>" and the end of the last
// one as "<END>"; FakeKvs acknowledges a fragment when the next marker (or
// an end-of-fragment tag) arrives, as KVS acks on the next Cluster.
#ifndef TESTS_UNIT_NET_FAKE_KVS_H_
#define TESTS_UNIT_NET_FAKE_KVS_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "kvscore/net/network_thread.h"
#include "kvscore/net/uploader.h"
#include "tests/unit/net/loopback_server.h"

namespace kvs {
namespace test {

using kvs_test::LoopbackServer;
using kvs_test::RequestHead;
using kvs_test::ServerConnection;

inline constexpr auto kHangGuard = std::chrono::seconds(30);

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
  bool end_response_after_error = false;  // As KVS does.
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
      if (script_.end_response_after_error) c.WriteChunk("");
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

inline Piece Text(const std::string& s) {
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

// Counts each "<F:n>" marker across every PutMedia body.
inline std::map<std::string, int> MarkerCounts(
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

}  // namespace test
}  // namespace kvs

#endif  // TESTS_UNIT_NET_FAKE_KVS_H_
