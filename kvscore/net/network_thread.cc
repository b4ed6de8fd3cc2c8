#include "kvscore/net/network_thread.h"

#include <glib-unix.h>

#include <condition_variable>
#include <mutex>
#include <utility>

#include "kvscore/base/log.h"

namespace kvs {
namespace {

using Closure = std::function<void()>;

gboolean RunClosureOnce(gpointer data) {
  (*static_cast<Closure*>(data))();
  return G_SOURCE_REMOVE;
}

void DeleteClosure(gpointer data) { delete static_cast<Closure*>(data); }

std::mutex g_instance_mutex;
std::weak_ptr<NetworkThread> g_instance;  // Guarded by g_instance_mutex.

}  // namespace

std::shared_ptr<NetworkThread> NetworkThread::Acquire() {
  static std::once_flag curl_once;
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::lock_guard<std::mutex> lock(g_instance_mutex);
  std::shared_ptr<NetworkThread> thread = g_instance.lock();
  if (!thread) {
    thread.reset(new NetworkThread());
    g_instance = thread;
  }
  return thread;
}

NetworkThread::NetworkThread() {
  context_ = g_main_context_new();
  loop_ = g_main_loop_new(context_, FALSE);
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &NetworkThread::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &NetworkThread::OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  thread_ = g_thread_new("kvs-network", &NetworkThread::ThreadMain, this);
}

NetworkThread::~NetworkThread() {
  Post([this] {
    for (auto& entry : transfers_)
      curl_multi_remove_handle(multi_, entry.first);
    transfers_.clear();
    for (auto& entry : sockets_) {
      g_source_destroy(entry.second);
      g_source_unref(entry.second);
    }
    sockets_.clear();
    if (curl_timer_ != nullptr) {
      g_source_destroy(curl_timer_);
      g_source_unref(curl_timer_);
      curl_timer_ = nullptr;
    }
    g_main_loop_quit(loop_);
  });
  if (IsCurrent()) {
    KVS_LOG_WARNING("network thread released from itself; detaching");
    g_thread_unref(thread_);
    return;  // Leaks the context and multi handle rather than crash.
  }
  g_thread_join(thread_);
  curl_multi_cleanup(multi_);
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);
}

gpointer NetworkThread::ThreadMain(gpointer self) {
  auto* thread = static_cast<NetworkThread*>(self);
  g_main_context_push_thread_default(thread->context_);
  g_main_loop_run(thread->loop_);
  g_main_context_pop_thread_default(thread->context_);
  return nullptr;
}

bool NetworkThread::IsCurrent() const {
  return g_main_context_is_owner(context_);
}

void NetworkThread::Post(std::function<void()> fn) {
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, &RunClosureOnce, new Closure(std::move(fn)),
                        &DeleteClosure);
  g_source_attach(source, context_);
  g_source_unref(source);
}

void NetworkThread::RunSync(const std::function<void()>& fn) {
  if (IsCurrent()) {
    fn();
    return;
  }
  std::mutex mutex;
  std::condition_variable cond;
  bool done = false;
  Post([&] {
    fn();
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
    cond.notify_one();
  });
  std::unique_lock<std::mutex> lock(mutex);
  cond.wait(lock, [&] { return done; });
}

guint NetworkThread::AddTimer(int64_t delay_ms, std::function<void()> fn) {
  GSource* source =
      g_timeout_source_new(static_cast<guint>(delay_ms < 0 ? 0 : delay_ms));
  g_source_set_callback(source, &RunClosureOnce, new Closure(std::move(fn)),
                        &DeleteClosure);
  guint id = g_source_attach(source, context_);
  g_source_unref(source);
  return id;
}

void NetworkThread::CancelTimer(guint id) {
  if (id == 0) return;
  GSource* source = g_main_context_find_source_by_id(context_, id);
  if (source != nullptr) g_source_destroy(source);
}

void NetworkThread::AddTransfer(CURL* easy, TransferDone done) {
  transfers_[easy] = std::move(done);
  curl_multi_add_handle(multi_, easy);
}

void NetworkThread::RemoveTransfer(CURL* easy) {
  if (transfers_.erase(easy) > 0) curl_multi_remove_handle(multi_, easy);
}

void NetworkThread::Kick() { SocketAction(CURL_SOCKET_TIMEOUT, 0); }

int NetworkThread::OnSocket(CURL* easy, curl_socket_t fd, int what, void* self,
                            void* socket_data) {
  auto* thread = static_cast<NetworkThread*>(self);
  auto it = thread->sockets_.find(fd);
  if (it != thread->sockets_.end()) {
    g_source_destroy(it->second);
    g_source_unref(it->second);
    thread->sockets_.erase(it);
  }
  if (what == CURL_POLL_REMOVE) return 0;
  int condition = G_IO_ERR | G_IO_HUP;
  if (what & CURL_POLL_IN) condition |= G_IO_IN;
  if (what & CURL_POLL_OUT) condition |= G_IO_OUT;
  GSource* source =
      g_unix_fd_source_new(fd, static_cast<GIOCondition>(condition));
  g_source_set_callback(source, G_SOURCE_FUNC(&NetworkThread::OnSocketReady),
                        thread, nullptr);
  g_source_attach(source, thread->context_);
  thread->sockets_[fd] = source;
  return 0;
}

int NetworkThread::OnTimer(CURLM* multi, long timeout_ms, void* self) {
  auto* thread = static_cast<NetworkThread*>(self);
  if (thread->curl_timer_ != nullptr) {
    g_source_destroy(thread->curl_timer_);
    g_source_unref(thread->curl_timer_);
    thread->curl_timer_ = nullptr;
  }
  if (timeout_ms < 0) return 0;  // curl wants no timer.
  thread->curl_timer_ = g_timeout_source_new(static_cast<guint>(timeout_ms));
  g_source_set_callback(thread->curl_timer_, &NetworkThread::OnTimeout, thread,
                        nullptr);
  g_source_attach(thread->curl_timer_, thread->context_);
  return 0;
}

gboolean NetworkThread::OnSocketReady(gint fd, GIOCondition condition,
                                      gpointer self) {
  int events = 0;
  if (condition & (G_IO_IN | G_IO_HUP)) events |= CURL_CSELECT_IN;
  if (condition & G_IO_OUT) events |= CURL_CSELECT_OUT;
  if (condition & G_IO_ERR) events |= CURL_CSELECT_ERR;
  static_cast<NetworkThread*>(self)->SocketAction(fd, events);
  return G_SOURCE_CONTINUE;
}

gboolean NetworkThread::OnTimeout(gpointer self) {
  auto* thread = static_cast<NetworkThread*>(self);
  // This source ends here; drop our reference before curl re-arms a timer.
  g_source_unref(thread->curl_timer_);
  thread->curl_timer_ = nullptr;
  thread->SocketAction(CURL_SOCKET_TIMEOUT, 0);
  return G_SOURCE_REMOVE;
}

void NetworkThread::SocketAction(curl_socket_t fd, int events) {
  int running = 0;
  CURLMcode rc = curl_multi_socket_action(multi_, fd, events, &running);
  if (rc != CURLM_OK) {
    KVS_LOG_WARNING("curl_multi_socket_action: %s", curl_multi_strerror(rc));
  }
  ReapFinished();
}

void NetworkThread::ReapFinished() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    curl_multi_remove_handle(multi_, easy);
    auto it = transfers_.find(easy);
    if (it == transfers_.end()) continue;
    TransferDone done = std::move(it->second);
    transfers_.erase(it);
    if (done) done(result);
  }
}

}  // namespace kvs
