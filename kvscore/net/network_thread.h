// kvscore/net/network_thread.h: the one process-wide network thread.
//
// All network I/O of every stream in the process runs on this thread
// (DESIGN.md "Threads"). It owns a GMainContext, a GMainLoop running on it,
// and a libcurl multi handle. curl's socket callback (CURLMOPT_SOCKETFUNCTION)
// becomes a GUnixFD GSource per socket and its timer callback
// (CURLMOPT_TIMERFUNCTION) a timeout GSource, both attached to this context,
// so the thread sleeps in poll() until a socket is ready, a timer fires, or
// another thread hands it work. There is no polling loop and no sleep.
//
// Other threads hand work over only with Post(), which attaches an idle
// source to this context (never g_idle_add, which uses the default context).
//
// Lifetime: Acquire() returns a shared reference, starting the thread on
// first use; the thread stops and is joined when the last reference is
// dropped. References must not be dropped on the network thread itself (the
// destructor then detaches instead of joining, and logs a warning).
#ifndef KVSCORE_NET_NETWORK_THREAD_H_
#define KVSCORE_NET_NETWORK_THREAD_H_

#include <curl/curl.h>
#include <glib.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

namespace kvs {

class NetworkThread {
 public:
  // Called once a transfer added with AddTransfer() completes, with curl's
  // result code. Runs on the network thread; the handle has already been
  // removed from the multi handle.
  using TransferDone = std::function<void(CURLcode result)>;

  // The process-wide instance. Thread-safe.
  static std::shared_ptr<NetworkThread> Acquire();

  ~NetworkThread();
  NetworkThread(const NetworkThread&) = delete;
  NetworkThread& operator=(const NetworkThread&) = delete;

  GMainContext* context() const { return context_; }
  bool IsCurrent() const;

  // Runs `fn` on the network thread, soon, in FIFO order with other posts.
  // Thread-safe; never runs `fn` inline.
  void Post(std::function<void()> fn);

  // Runs `fn` on the network thread and returns after it ran. Runs it inline
  // when called on the network thread.
  void RunSync(const std::function<void()>& fn);

  // Network thread only. Runs `fn` once after `delay_ms` (>= 0); returns a
  // timer id for CancelTimer(). Ids are never 0.
  guint AddTimer(int64_t delay_ms, std::function<void()> fn);
  // Network thread only. Cancels a pending timer; unknown ids are ignored.
  void CancelTimer(guint id);

  // Network thread only. Starts `easy` on the multi handle; `done` is called
  // when it completes. The caller keeps owning `easy`.
  void AddTransfer(CURL* easy, TransferDone done);
  // Network thread only. Stops `easy` without calling its `done`.
  void RemoveTransfer(CURL* easy);

  // Network thread only. Lets curl act on `easy` again after the caller
  // un-paused it (curl_easy_pause), so data flows at once.
  void Kick();

 private:
  NetworkThread();
  static gpointer ThreadMain(gpointer self);
  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* self,
                      void* socket_data);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);
  static gboolean OnSocketReady(gint fd, GIOCondition condition, gpointer self);
  static gboolean OnTimeout(gpointer self);
  void SocketAction(curl_socket_t fd, int events);
  void ReapFinished();

  GMainContext* context_ = nullptr;
  GMainLoop* loop_ = nullptr;
  GThread* thread_ = nullptr;
  CURLM* multi_ = nullptr;
  GSource* curl_timer_ = nullptr;
  std::map<curl_socket_t, GSource*> sockets_;  // Network thread only.
  std::map<CURL*, TransferDone> transfers_;    // Network thread only.
};

}  // namespace kvs

#endif  // KVSCORE_NET_NETWORK_THREAD_H_
