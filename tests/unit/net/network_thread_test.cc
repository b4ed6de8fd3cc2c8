#include "kvscore/net/network_thread.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "kvscore/net/http_call.h"
#include "tests/unit/net/loopback_server.h"

namespace kvs {
namespace {

using kvs_test::LoopbackServer;
using kvs_test::RequestHead;
using kvs_test::ServerConnection;

// A guard against hangs, not a timing assertion.
constexpr auto kHangGuard = std::chrono::seconds(20);

TEST(NetworkThreadTest, SharedWhileReferenced) {
  std::shared_ptr<NetworkThread> a = NetworkThread::Acquire();
  std::shared_ptr<NetworkThread> b = NetworkThread::Acquire();
  EXPECT_EQ(a.get(), b.get());
  EXPECT_FALSE(a->IsCurrent());
}

TEST(NetworkThreadTest, PostRunsInOrderOnTheNetworkThread) {
  auto thread = NetworkThread::Acquire();
  std::vector<int> order;
  std::promise<bool> all_on_thread;
  for (int i = 0; i < 5; ++i) {
    thread->Post([&, i] {
      order.push_back(i);
      if (i == 4) all_on_thread.set_value(thread->IsCurrent());
    });
  }
  auto future = all_on_thread.get_future();
  ASSERT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_TRUE(future.get());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(NetworkThreadTest, TimersFireInDeadlineOrderAndCancel) {
  auto thread = NetworkThread::Acquire();
  std::vector<int> fired;
  std::promise<void> done;
  thread->RunSync([&] {
    guint cancelled = thread->AddTimer(5, [&] { fired.push_back(99); });
    thread->AddTimer(30, [&] {
      fired.push_back(2);
      done.set_value();
    });
    thread->AddTimer(10, [&] { fired.push_back(1); });
    thread->CancelTimer(cancelled);
  });
  ASSERT_EQ(done.get_future().wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

TEST(NetworkThreadTest, ThreadStopsWhenLastReferenceDrops) {
  std::weak_ptr<NetworkThread> weak;
  {
    auto thread = NetworkThread::Acquire();
    weak = thread;
    thread->RunSync([] {});
  }
  EXPECT_TRUE(weak.expired());
  auto again = NetworkThread::Acquire();  // A fresh one starts.
  bool ran = false;
  again->RunSync([&] { ran = true; });
  EXPECT_TRUE(ran);
}

Result<HttpResponse> RunCall(NetworkThread* thread, HttpRequest request) {
  std::promise<Result<HttpResponse>> promise;
  std::unique_ptr<HttpCall> call;
  thread->RunSync([&] {
    call = std::make_unique<HttpCall>(thread, std::move(request), "Test");
    call->Start([&](Result<HttpResponse> r) { promise.set_value(r); });
  });
  auto future = promise.get_future();
  if (future.wait_for(kHangGuard) != std::future_status::ready) {
    return Status(StatusCode::kTimeout, "test hang guard");
  }
  Result<HttpResponse> result = future.get();
  thread->RunSync([&] { call.reset(); });
  return result;
}

TEST(HttpCallTest, PostsBodyAndReadsResponse) {
  std::promise<std::string> seen;
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    std::string body;
    if (!c.ReadHead(&head)) return;
    c.ReadBody(std::stoul(head.Header("content-length")), &body);
    seen.set_value(head.method + " " + head.target + " " +
                   head.Header("x-test") + " " + body);
    c.Respond(404, "{\"message\":\"no\"}",
              {"x-amzn-ErrorType: ResourceNotFoundException:http://x/"});
  });
  auto thread = NetworkThread::Acquire();
  HttpRequest request;
  request.url = server.url() + "/describeStream";
  request.headers = {{"x-test", "yes"}};
  request.body = "{\"StreamName\":\"s\"}";
  Result<HttpResponse> response = RunCall(thread.get(), request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, "{\"message\":\"no\"}");
  EXPECT_EQ(response->Header("X-AMZN-ERRORTYPE"),
            "ResourceNotFoundException:http://x/");
  EXPECT_EQ(seen.get_future().get(),
            "POST /describeStream yes {\"StreamName\":\"s\"}");
}

TEST(HttpCallTest, RefusedConnectionIsConnectFailed) {
  auto thread = NetworkThread::Acquire();
  HttpRequest request;
  request.url =
      "http://127.0.0.1:" + std::to_string(LoopbackServer::ClosedPort()) + "/x";
  Result<HttpResponse> response = RunCall(thread.get(), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kConnectFailed);
  EXPECT_NE(response.status().message().find("127.0.0.1"), std::string::npos);
}

TEST(HttpCallTest, TotalTimeoutIsHonoured) {
  std::promise<void> release;
  auto released = release.get_future().share();
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    c.ReadHead(&head);
    released.wait();  // Never answers until the test ends.
  });
  auto thread = NetworkThread::Acquire();
  HttpRequest request;
  request.url = server.url() + "/slow";
  request.total_timeout_ms = 200;
  Result<HttpResponse> response = RunCall(thread.get(), request);
  release.set_value();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kTimeout);
}

TEST(HttpCallTest, DestroyingARunningCallCancelsIt) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> arrived;
  LoopbackServer server([&](ServerConnection& c) {
    RequestHead head;
    c.ReadHead(&head);
    arrived.set_value();
    released.wait();
  });
  auto thread = NetworkThread::Acquire();
  bool called = false;
  std::unique_ptr<HttpCall> call;
  thread->RunSync([&] {
    HttpRequest request;
    request.url = server.url() + "/hang";
    call = std::make_unique<HttpCall>(thread.get(), request, "Test");
    call->Start([&](Result<HttpResponse>) { called = true; });
  });
  ASSERT_EQ(arrived.get_future().wait_for(kHangGuard),
            std::future_status::ready);
  thread->RunSync([&] { call.reset(); });
  thread->RunSync([] {});  // Let anything pending run.
  release.set_value();
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace kvs
