#include "kvscore/net/curl_http_fetcher.h"

#include <glib.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kvscore/base/log.h"
#include "kvscore/net/network_thread.h"
#include "tests/unit/auth/auth_test_util.h"
#include "tests/unit/net/loopback_server.h"

namespace kvs {
namespace {

using kvs_test::LoopbackServer;
using kvs_test::RequestHead;
using kvs_test::ServerConnection;

// A guard against hangs, not a timing assertion.
constexpr auto kHangGuard = std::chrono::seconds(20);

struct Answer {
  Result<HttpFetchResponse> result = Status(StatusCode::kInternal, "none");
  bool on_network_thread = false;
};

// Fetches and waits for the single answer; counts callbacks in `calls`.
Answer FetchAndWait(CurlHttpFetcher& fetcher, NetworkThread& thread,
                    HttpFetchRequest request,
                    std::shared_ptr<std::atomic<int>> calls = nullptr) {
  if (!calls) calls = std::make_shared<std::atomic<int>>(0);
  auto promise = std::make_shared<std::promise<Answer>>();
  fetcher.Fetch(std::move(request),
                [&thread, promise, calls](Result<HttpFetchResponse> r) {
                  if (++*calls > 1) return;  // Reported by the caller's count.
                  Answer answer;
                  answer.result = std::move(r);
                  answer.on_network_thread = thread.IsCurrent();
                  promise->set_value(std::move(answer));
                });
  auto future = promise->get_future();
  if (future.wait_for(kHangGuard) != std::future_status::ready) {
    Answer hung;
    hung.result = Status(StatusCode::kTimeout, "test hang guard");
    return hung;
  }
  return future.get();
}

// Records every log line at every level while alive.
class LogCapture {
 public:
  LogCapture() {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.clear();
    SetLogSink(&Sink, [](LogLevel) { return true; });
  }
  ~LogCapture() { SetLogSink(nullptr, nullptr); }
  std::string All() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string all;
    for (const std::string& line : lines_) all += line + "\n";
    return all;
  }

 private:
  static void Sink(LogLevel, const char*, int, const char*, const char* m) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(m);
  }
  static std::mutex mutex_;
  static std::vector<std::string> lines_;
};
std::mutex LogCapture::mutex_;
std::vector<std::string> LogCapture::lines_;

class CurlHttpFetcherTest : public ::testing::Test {
 protected:
  std::shared_ptr<NetworkThread> thread_ = NetworkThread::Acquire();
  std::shared_ptr<CurlHttpFetcher> fetcher_ =
      std::make_shared<CurlHttpFetcher>(thread_);

  Answer Run(HttpFetchRequest request) {
    return FetchAndWait(*fetcher_, *thread_, std::move(request));
  }
};

TEST_F(CurlHttpFetcherTest, GetSendsHeadersAndReturnsTheAnswer) {
  std::promise<RequestHead> seen;
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    seen.set_value(head);
    c.Respond(200, "{\"credentials\":{}}",
              {"Content-Type: application/json", "X-Multi: a", "X-Multi: b"});
  });
  HttpFetchRequest request;
  request.url = server.url() + "/role-aliases/alias/credentials";
  request.headers = {{"x-amzn-iot-thingname", "camera-1"}, {"X-Second", "2"}};
  Answer answer = Run(request);
  ASSERT_TRUE(answer.result.ok()) << answer.result.status().ToString();
  EXPECT_TRUE(answer.on_network_thread);
  EXPECT_EQ(answer.result->status, 200);
  EXPECT_EQ(answer.result->body, "{\"credentials\":{}}");
  std::vector<std::pair<std::string, std::string>> expected_headers = {
      {"Content-Type", "application/json"},
      {"X-Multi", "a"},
      {"X-Multi", "b"},
      {"Content-Length", "18"}};
  EXPECT_EQ(answer.result->headers, expected_headers);
  RequestHead head = seen.get_future().get();
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/role-aliases/alias/credentials");
  EXPECT_EQ(head.Header("x-amzn-iot-thingname"), "camera-1");
  EXPECT_EQ(head.Header("x-second"), "2");
  // Only Host and Accept are added.
  EXPECT_EQ(head.Header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(head.headers.size(), 4u);
  EXPECT_EQ(head.headers.count("user-agent"), 0u);
  EXPECT_EQ(head.headers.count("content-type"), 0u);
}

TEST_F(CurlHttpFetcherTest, PutWithAnEmptyBodySendsContentLengthZero) {
  // The IMDSv2 token request.
  std::promise<RequestHead> seen;
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    seen.set_value(head);
    c.Respond(200, "AQAEAtoken==");
  });
  HttpFetchRequest request;
  request.method = "PUT";
  request.url = server.url() + "/latest/api/token";
  request.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  Answer answer = Run(request);
  ASSERT_TRUE(answer.result.ok()) << answer.result.status().ToString();
  EXPECT_EQ(answer.result->body, "AQAEAtoken==");
  RequestHead head = seen.get_future().get();
  EXPECT_EQ(head.method, "PUT");
  EXPECT_EQ(head.Header("content-length"), "0");
  EXPECT_EQ(head.Header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(head.headers.count("content-type"), 0u);
  EXPECT_EQ(head.headers.count("expect"), 0u);
}

TEST_F(CurlHttpFetcherTest, PutSendsTheBodyAsIs) {
  std::promise<std::string> seen;
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    std::string body;
    if (!c.ReadHead(&head)) return;
    c.ReadBody(std::stoul(head.Header("content-length")), &body);
    seen.set_value(head.method + " " + head.Header("content-type") + " " +
                   body);
    c.Respond(204, "");
  });
  HttpFetchRequest request;
  request.method = "PUT";
  request.url = server.url() + "/x";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = "{\"a\":1}";
  Answer answer = Run(request);
  ASSERT_TRUE(answer.result.ok()) << answer.result.status().ToString();
  EXPECT_EQ(answer.result->status, 204);
  EXPECT_EQ(seen.get_future().get(), "PUT application/json {\"a\":1}");
}

TEST_F(CurlHttpFetcherTest, ErrorStatusesAreResponses) {
  for (int status : {400, 401, 403, 404, 500, 503}) {
    LoopbackServer server([&](ServerConnection& c) {
      RequestHead head;
      if (!c.ReadHead(&head)) return;
      c.Respond(status, "{\"message\":\"Invalid thing name passed\"}");
    });
    HttpFetchRequest request;
    request.url = server.url() + "/credentials";
    Answer answer = Run(request);
    ASSERT_TRUE(answer.result.ok()) << answer.result.status().ToString();
    EXPECT_EQ(answer.result->status, status);
    EXPECT_EQ(answer.result->body,
              "{\"message\":\"Invalid thing name passed\"}");
  }
}

TEST_F(CurlHttpFetcherTest, RedirectsAreNotFollowed) {
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    c.Respond(302, "", {"Location: /elsewhere"});
  });
  HttpFetchRequest request;
  request.url = server.url() + "/here";
  Answer answer = Run(request);
  ASSERT_TRUE(answer.result.ok()) << answer.result.status().ToString();
  EXPECT_EQ(answer.result->status, 302);
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(CurlHttpFetcherTest, RefusedPortIsConnectFailed) {
  HttpFetchRequest request;
  request.url =
      "http://127.0.0.1:" + std::to_string(LoopbackServer::ClosedPort()) + "/";
  Answer answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_TRUE(answer.on_network_thread);
  EXPECT_EQ(answer.result.status().code(), StatusCode::kConnectFailed);
  EXPECT_NE(answer.result.status().message().find("HTTP GET http://127.0.0.1"),
            std::string::npos)
      << answer.result.status().message();
}

TEST_F(CurlHttpFetcherTest, SilentServerIsTimeout) {
  std::promise<void> release;
  auto released = release.get_future().share();
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    c.ReadHead(&head);
    released.wait();
  });
  HttpFetchRequest request;
  request.url = server.url() + "/slow";
  request.timeout_ms = 200;
  Answer answer = Run(request);
  release.set_value();
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kTimeout);
}

TEST_F(CurlHttpFetcherTest, ResetMidBodyIsNetworkError) {
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    c.Write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    c.Reset();
  });
  HttpFetchRequest request;
  request.url = server.url() + "/x";
  Answer answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kNetworkError);
}

TEST_F(CurlHttpFetcherTest, AnnouncedOversizedBodyIsResourceExhausted) {
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    c.Respond(200, std::string(5000, 'x'));
  });
  HttpFetchRequest request;
  request.url = server.url() + "/big";
  request.max_response_bytes = 1000;
  Answer answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(answer.result.status().message().find("1000 bytes"),
            std::string::npos);
}

TEST_F(CurlHttpFetcherTest, EndlessChunkedBodyIsAbortedAtTheLimit) {
  std::promise<bool> server_saw_close;
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    c.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    // Up to 64 MiB: the client must hang up long before.
    bool closed = false;
    for (int i = 0; i < 4096 && !closed; ++i) {
      closed = !c.WriteChunk(std::string(16384, 's'));
    }
    server_saw_close.set_value(closed);
  });
  HttpFetchRequest request;
  request.url = server.url() + "/stream";
  request.max_response_bytes = 64 * 1024;
  Answer answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(answer.result.status().message().find("sss"), std::string::npos);
  auto closed = server_saw_close.get_future();
  ASSERT_EQ(closed.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_TRUE(closed.get());
}

TEST_F(CurlHttpFetcherTest, BodyOfExactlyTheLimitIsAccepted) {
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    c.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    c.WriteChunk(std::string(600, 'a'));
    c.WriteChunk(std::string(424, 'b'));
    c.WriteChunk("");
  });
  HttpFetchRequest request;
  request.url = server.url() + "/exact";
  request.max_response_bytes = 1024;
  Answer answer = Run(request);
  ASSERT_TRUE(answer.result.ok()) << answer.result.status().ToString();
  EXPECT_EQ(answer.result->body.size(), 1024u);
}

TEST_F(CurlHttpFetcherTest, HugeResponseHeadersAreResourceExhausted) {
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    std::vector<std::string> headers;
    for (int i = 0; i < 100; ++i) {
      headers.push_back("X-Filler-" + std::to_string(i) + ": " +
                        std::string(1000, 'h'));
    }
    c.Respond(200, "", headers);
  });
  HttpFetchRequest request;
  request.url = server.url() + "/headers";
  Answer answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kResourceExhausted);
}

TEST_F(CurlHttpFetcherTest, BadRequestsAreInvalidArgument) {
  std::vector<HttpFetchRequest> bad(9);
  bad[0].url = "not a url";
  bad[1].url = "ftp://127.0.0.1/x";
  bad[2].url = "http://";
  bad[3].url = "http://127.0.0.1/x";
  bad[3].method = "DELETE";
  bad[4].url = "http://127.0.0.1/x";
  bad[4].timeout_ms = 0;
  bad[5].url = "http://127.0.0.1/x";
  bad[5].client_cert_path = "/cert.pem";
  bad[6].url = "http://127.0.0.1/x";
  bad[6].headers = {{"X-aws-ec2-metadata-token", "secret\r\nInjected: 1"}};
  bad[7].url = "http://127.0.0.1/x";
  bad[7].headers = {{"Bad Name", "v"}};
  bad[8].url = "http://127.0.0.1/x";
  bad[8].max_response_bytes = 0;
  for (size_t i = 0; i < bad.size(); ++i) {
    auto calls = std::make_shared<std::atomic<int>>(0);
    Answer answer = FetchAndWait(*fetcher_, *thread_, bad[i], calls);
    ASSERT_FALSE(answer.result.ok()) << i;
    EXPECT_EQ(answer.result.status().code(), StatusCode::kInvalidArgument)
        << i << " " << answer.result.status().ToString();
    EXPECT_EQ(answer.result.status().message().find("secret"),
              std::string::npos);
    thread_->RunSync([] {});
    EXPECT_EQ(calls->load(), 1) << i;
  }
}

TEST_F(CurlHttpFetcherTest, DestructionCancelsPendingRequests) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> arrived{0};
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    ++arrived;
    released.wait();
  });
  std::atomic<int> cancelled{0};
  std::atomic<int> calls{0};
  std::atomic<int> off_thread{0};
  for (int i = 0; i < 3; ++i) {
    HttpFetchRequest request;
    request.url = server.url() + "/hang";
    fetcher_->Fetch(request, [&](Result<HttpFetchResponse> r) {
      ++calls;
      if (!thread_->IsCurrent()) ++off_thread;
      if (!r.ok() && r.status().code() == StatusCode::kCancelled) ++cancelled;
    });
  }
  for (int i = 0; i < 2000 && arrived.load() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(arrived.load(), 3);
  thread_->RunSync([&] { EXPECT_EQ(fetcher_->pending(), 3u); });
  fetcher_.reset();  // Returns after the callbacks ran.
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(cancelled.load(), 3);
  EXPECT_EQ(off_thread.load(), 0);
  thread_->RunSync([] {});
  EXPECT_EQ(calls.load(), 3);  // Exactly once each.
  release.set_value();
}

TEST_F(CurlHttpFetcherTest, FetchStillQueuedWhenDestroyedIsCancelled) {
  // The network thread destroys the fetcher while a Fetch() posted from
  // this thread waits behind it in the queue.
  std::promise<void> go;
  std::promise<void> blocked;
  thread_->Post([&] {
    blocked.set_value();
    go.get_future().wait();
    fetcher_.reset();  // Destroyed on the network thread.
  });
  blocked.get_future().wait();
  std::promise<Status> answer;
  std::atomic<bool> on_thread{false};
  HttpFetchRequest request;
  request.url = "http://127.0.0.1:1/queued";
  fetcher_->Fetch(request, [&](Result<HttpFetchResponse> r) {
    on_thread = thread_->IsCurrent();
    answer.set_value(r.ok() ? Status() : r.status());
  });
  go.set_value();
  auto future = answer.get_future();
  ASSERT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(future.get().code(), StatusCode::kCancelled);
  EXPECT_TRUE(on_thread.load());
}

TEST_F(CurlHttpFetcherTest, ShutdownCancelsLaterFetches) {
  fetcher_->Shutdown();
  HttpFetchRequest request;
  request.url = "http://127.0.0.1:1/x";
  Answer answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kCancelled);
  fetcher_->Shutdown();  // Idempotent.
}

TEST_F(CurlHttpFetcherTest, ManyFetchesFromManyThreadsEachAnswerOnce) {
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    while (c.ReadHead(&head)) c.Respond(200, head.target);
  });
  constexpr int kThreads = 4, kPerThread = 10;
  std::mutex mutex;
  std::vector<std::string> bodies;
  std::atomic<int> calls{0}, off_thread{0};
  std::promise<void> all_done;
  auto on_done = [&](Result<HttpFetchResponse> r) {
    if (!thread_->IsCurrent()) ++off_thread;
    {
      std::lock_guard<std::mutex> lock(mutex);
      bodies.push_back(r.ok() ? r->body : r.status().ToString());
    }
    if (++calls == kThreads * kPerThread) all_done.set_value();
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        HttpFetchRequest request;
        request.url = server.url() + "/" + std::to_string(t * 100 + i);
        fetcher_->Fetch(request, on_done);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(all_done.get_future().wait_for(kHangGuard),
            std::future_status::ready);
  thread_->RunSync([] {});
  EXPECT_EQ(calls.load(), kThreads * kPerThread);
  EXPECT_EQ(off_thread.load(), 0);
  std::sort(bodies.begin(), bodies.end());
  EXPECT_EQ(std::unique(bodies.begin(), bodies.end()), bodies.end());
  for (const std::string& body : bodies) EXPECT_EQ(body[0], '/') << body;
}

TEST_F(CurlHttpFetcherTest, FetchOnTheNetworkThreadMayAnswerInline) {
  std::promise<Status> answer;
  bool returned = false;
  bool answered_before_return = false;
  thread_->RunSync([&] {
    HttpFetchRequest request;
    request.url = "bad url";
    fetcher_->Fetch(request, [&](Result<HttpFetchResponse> r) {
      answered_before_return = !returned;
      answer.set_value(r.status());
    });
    returned = true;
  });
  EXPECT_EQ(answer.get_future().get().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(answered_before_return);  // Allowed by the contract.
}

TEST_F(CurlHttpFetcherTest, DestroyingTheFetcherInsideDoneIsSafe) {
  std::promise<void> release;
  auto released = release.get_future().share();
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    if (head.target == "/fast") {
      c.Respond(200, "ok");
    } else {
      released.wait();
    }
  });
  std::promise<Status> slow_answer;
  std::promise<void> fast_done;
  std::shared_ptr<CurlHttpFetcher> fetcher = fetcher_;
  fetcher_.reset();
  HttpFetchRequest slow;
  slow.url = server.url() + "/slow";
  fetcher->Fetch(slow, [&](Result<HttpFetchResponse> r) {
    slow_answer.set_value(r.ok() ? Status() : r.status());
  });
  HttpFetchRequest fast;
  fast.url = server.url() + "/fast";
  // The last reference moves into the callback, which drops it.
  auto holder = std::make_shared<std::shared_ptr<CurlHttpFetcher>>(fetcher);
  fetcher.reset();
  (*holder)->Fetch(fast, [&, holder](Result<HttpFetchResponse> r) {
    EXPECT_TRUE(r.ok());
    holder->reset();  // Destroys the fetcher on the network thread.
    fast_done.set_value();
  });
  ASSERT_EQ(fast_done.get_future().wait_for(kHangGuard),
            std::future_status::ready);
  auto slow_future = slow_answer.get_future();
  ASSERT_EQ(slow_future.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(slow_future.get().code(), StatusCode::kCancelled);
  release.set_value();
}

TEST_F(CurlHttpFetcherTest, ProxyOptionIsUsedUnlessBypassed) {
  std::promise<RequestHead> via_proxy;
  LoopbackServer proxy([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    via_proxy.set_value(head);
    c.Respond(200, "from proxy");
  });
  LoopbackServer direct([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    c.Respond(200, "direct");
  });
  CurlHttpFetcher::Options options;
  options.proxy = proxy.url();
  auto fetcher = std::make_shared<CurlHttpFetcher>(thread_, options);
  // A name that no NO_PROXY in the test environment lists.
  HttpFetchRequest request;
  request.url = "http://kvs-fetcher-test.invalid/path";
  Answer answer = FetchAndWait(*fetcher, *thread_, request);
  ASSERT_TRUE(answer.result.ok()) << answer.result.status().ToString();
  EXPECT_EQ(answer.result->body, "from proxy");
  EXPECT_EQ(via_proxy.get_future().get().target,
            "http://kvs-fetcher-test.invalid/path");

  request.url = direct.url() + "/latest/api/token";
  request.bypass_proxy = true;
  answer = FetchAndWait(*fetcher, *thread_, request);
  ASSERT_TRUE(answer.result.ok()) << answer.result.status().ToString();
  EXPECT_EQ(answer.result->body, "direct");
  EXPECT_EQ(proxy.connections(), 1);
}

TEST_F(CurlHttpFetcherTest, NeverLogsHeaderValuesOrBodies) {
  LogCapture logs;
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    if (!c.ReadHead(&head)) return;
    if (head.target == "/ok") {
      c.Respond(200, "{\"SecretAccessKey\":\"BODY-SECRET\"}");
    } else {
      c.Respond(403, "BODY-SECRET-403");
    }
  });
  for (const char* path : {"/ok", "/denied"}) {
    HttpFetchRequest request;
    request.url = server.url() + path;
    request.headers = {{"X-aws-ec2-metadata-token", "HEADER-SECRET"},
                       {"Authorization", "HEADER-SECRET-2"}};
    ASSERT_TRUE(Run(request).result.ok());
  }
  HttpFetchRequest refused;
  refused.url =
      "http://127.0.0.1:" + std::to_string(LoopbackServer::ClosedPort()) + "/x";
  refused.headers = {{"Authorization", "HEADER-SECRET-3"}};
  ASSERT_FALSE(Run(refused).result.ok());
  fetcher_.reset();
  std::string all = logs.All();
  EXPECT_NE(all.find("/ok"), std::string::npos) << all;  // Logging works.
  EXPECT_EQ(all.find("SECRET"), std::string::npos) << all;
}

// Mutual TLS against `openssl s_server`: a CA made for the test signs the
// server certificate (for 127.0.0.1) and the device certificate; a second,
// unrelated CA signs a rogue device certificate. The server demands a client
// certificate (-Verify) and answers "GET /" with a status page (-www).
class CurlHttpFetcherTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files_ = new kvs_test::TempDir();
    hashed_ = new kvs_test::TempDir();
    const std::string& d = files_->path();
    files_->Write("server.ext", "subjectAltName=IP:127.0.0.1\n");
    bool ok = MakeCa(d + "/ca") && MakeCa(d + "/rogue-ca") &&
              MakeCert(d + "/server", d + "/ca", d + "/server.ext") &&
              MakeCert(d + "/client", d + "/ca", "") &&
              MakeCert(d + "/rogue-client", d + "/rogue-ca", "");
    if (ok) {
      gchar* pem = nullptr;
      gsize size = 0;
      ok = g_file_get_contents((d + "/ca.pem").c_str(), &pem, &size, nullptr);
      if (ok) hashed_->Write("ca.pem", std::string(pem, size));
      g_free(pem);
      ok = ok && Openssl({"rehash", hashed_->path()});
    }
    if (ok) ok = StartServer();
    if (!ok) skip_reason_ = "openssl CLI unavailable or failed";
  }
  static void TearDownTestSuite() {
    if (server_pid_ > 0) {
      kill(server_pid_, SIGTERM);
      waitpid(server_pid_, nullptr, 0);
      g_spawn_close_pid(server_pid_);
      server_pid_ = 0;
    }
    delete files_;
    delete hashed_;
    files_ = hashed_ = nullptr;
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  static bool Openssl(std::vector<std::string> args) {
    std::vector<char*> argv = {const_cast<char*>("openssl")};
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    gint status = -1;
    gboolean spawned =
        g_spawn_sync(nullptr, argv.data(), nullptr,
                     static_cast<GSpawnFlags>(G_SPAWN_SEARCH_PATH |
                                              G_SPAWN_STDOUT_TO_DEV_NULL |
                                              G_SPAWN_STDERR_TO_DEV_NULL),
                     nullptr, nullptr, nullptr, nullptr, &status, nullptr);
    return spawned && g_spawn_check_wait_status(status, nullptr);
  }
  static bool MakeCa(const std::string& base) {
    return Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    base + ".key", "-out", base + ".pem", "-days", "2", "-subj",
                    "/CN=kvs-fetcher-test-ca", "-addext",
                    "basicConstraints=critical,CA:TRUE", "-addext",
                    "keyUsage=keyCertSign"});
  }
  static bool MakeCert(const std::string& base, const std::string& ca,
                       const std::string& ext) {
    if (!Openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-nodes", "-keyout", base + ".key", "-out", base + ".csr",
                  "-subj", "/CN=127.0.0.1"})) {
      return false;
    }
    std::vector<std::string> args = {
        "x509",      "-req",   "-in",       base + ".csr", "-CA",
        ca + ".pem", "-CAkey", ca + ".key", "-set_serial", "7",
        "-days",     "2",      "-out",      base + ".pem"};
    if (!ext.empty()) {
      args.push_back("-extfile");
      args.push_back(ext);
    }
    return Openssl(args);
  }
  // Starts s_server on an ephemeral port and reads it from "ACCEPT ...:N".
  static bool StartServer() {
    const std::string& d = files_->path();
    std::vector<std::string> args = {"openssl",
                                     "s_server",
                                     "-accept",
                                     "127.0.0.1:0",
                                     "-cert",
                                     d + "/server.pem",
                                     "-key",
                                     d + "/server.key",
                                     "-CAfile",
                                     d + "/ca.pem",
                                     "-Verify",
                                     "1",
                                     "-verify_return_error",
                                     "-www"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    gint out = -1;
    if (!g_spawn_async_with_pipes(
            nullptr, argv.data(), nullptr,
            static_cast<GSpawnFlags>(G_SPAWN_SEARCH_PATH |
                                     G_SPAWN_DO_NOT_REAP_CHILD |
                                     G_SPAWN_STDERR_TO_DEV_NULL),
            nullptr, nullptr, &server_pid_, nullptr, &out, nullptr, nullptr)) {
      return false;
    }
    std::string text;
    char buf[256];
    auto deadline = std::chrono::steady_clock::now() + kHangGuard;
    while (text.find('\n', text.find("ACCEPT")) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd pfd = {out, POLLIN, 0};
      if (poll(&pfd, 1, 100) <= 0) continue;
      ssize_t n = read(out, buf, sizeof(buf));
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    close(out);  // s_server -www prints nothing more that we need.
    size_t accept = text.find("ACCEPT");
    size_t colon = text.rfind(':', text.find('\n', accept));
    if (accept == std::string::npos || colon == std::string::npos) {
      return false;
    }
    port_ = std::atoi(text.c_str() + colon + 1);
    return port_ > 0;
  }

  HttpFetchRequest Request() const {
    const std::string& d = files_->path();
    HttpFetchRequest request;
    request.url = "https://127.0.0.1:" + std::to_string(port_) + "/";
    request.ca_path = d + "/ca.pem";
    request.client_cert_path = d + "/client.pem";
    request.client_key_path = d + "/client.key";
    request.max_response_bytes = 1024 * 1024;
    request.timeout_ms = 10000;
    return request;
  }
  Answer Run(HttpFetchRequest request) {
    return FetchAndWait(*fetcher_, *thread_, std::move(request));
  }
  static std::string Path(const char* name) {
    return files_->path() + "/" + name;
  }

  static kvs_test::TempDir* files_;
  static kvs_test::TempDir* hashed_;
  static GPid server_pid_;
  static int port_;
  static std::string skip_reason_;
  std::shared_ptr<NetworkThread> thread_ = NetworkThread::Acquire();
  std::shared_ptr<CurlHttpFetcher> fetcher_ =
      std::make_shared<CurlHttpFetcher>(thread_);
};
kvs_test::TempDir* CurlHttpFetcherTlsTest::files_ = nullptr;
kvs_test::TempDir* CurlHttpFetcherTlsTest::hashed_ = nullptr;
GPid CurlHttpFetcherTlsTest::server_pid_ = 0;
int CurlHttpFetcherTlsTest::port_ = 0;
std::string CurlHttpFetcherTlsTest::skip_reason_;

TEST_F(CurlHttpFetcherTlsTest, MutualTlsWithTrustedCaFile) {
  Answer answer = Run(Request());
  ASSERT_TRUE(answer.result.ok()) << answer.result.status().ToString();
  EXPECT_EQ(answer.result->status, 200);
  // s_server's status page shows the client certificate it accepted.
  EXPECT_NE(answer.result->body.find("Client certificate"), std::string::npos)
      << answer.result->body.substr(0, 2000);
}

TEST_F(CurlHttpFetcherTlsTest, HashedCaDirectoryWorks) {
  HttpFetchRequest request = Request();
  request.ca_path = hashed_->path();
  Answer answer = Run(request);
  ASSERT_TRUE(answer.result.ok()) << answer.result.status().ToString();
  EXPECT_EQ(answer.result->status, 200);
}

TEST_F(CurlHttpFetcherTlsTest, MissingClientCertificateIsTlsFailed) {
  HttpFetchRequest request = Request();
  request.client_cert_path.clear();
  request.client_key_path.clear();
  Answer answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kTlsFailed)
      << answer.result.status().ToString();
}

TEST_F(CurlHttpFetcherTlsTest, ClientCertificateFromAnotherCaIsTlsFailed) {
  HttpFetchRequest request = Request();
  request.client_cert_path = Path("rogue-client.pem");
  request.client_key_path = Path("rogue-client.key");
  Answer answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kTlsFailed)
      << answer.result.status().ToString();
}

TEST_F(CurlHttpFetcherTlsTest, UntrustedServerIsTlsFailed) {
  HttpFetchRequest request = Request();
  request.ca_path = Path("rogue-ca.pem");
  Answer answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kTlsFailed)
      << answer.result.status().ToString();
  // The system store does not know the test CA either.
  request.ca_path.clear();
  answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kTlsFailed);
}

TEST_F(CurlHttpFetcherTlsTest, UnreadableKeyIsTlsFailedWithoutItsContents) {
  HttpFetchRequest request = Request();
  request.client_key_path = Path("does-not-exist.key");
  Answer answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kTlsFailed)
      << answer.result.status().ToString();
  request = Request();
  request.client_key_path = Path("rogue-client.key");  // Wrong key.
  answer = Run(request);
  ASSERT_FALSE(answer.result.ok());
  EXPECT_EQ(answer.result.status().code(), StatusCode::kTlsFailed);
  EXPECT_EQ(answer.result.status().message().find("PRIVATE KEY"),
            std::string::npos);
}

}  // namespace
}  // namespace kvs
