// tests/unit/net/loopback_server.h: a scriptable HTTP/1.1 server on
// 127.0.0.1 for kvscore network tests. Each accepted connection runs the
// test's handler on its own thread with blocking socket calls, so a test
// can read a chunked upload piece by piece and answer while it arrives.
#ifndef TESTS_UNIT_NET_LOOPBACK_SERVER_H_
#define TESTS_UNIT_NET_LOOPBACK_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kvs_test {

struct RequestHead {
  std::string method;
  std::string target;
  // Lower-cased header names.
  std::map<std::string, std::string> headers;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class ServerConnection {
 public:
  explicit ServerConnection(int fd) : fd_(fd) {}
  ~ServerConnection();

  // Reads the request line and headers. False on EOF or error.
  bool ReadHead(RequestHead* head);
  // Reads a Content-Length body.
  bool ReadBody(size_t length, std::string* body);
  // Reads one chunk of a chunked body into `data`. Returns false at the
  // terminating zero-length chunk (sets *ended) or on EOF/error.
  bool ReadChunk(std::string* data, bool* ended);
  // Writes raw bytes; false if the peer is gone.
  bool Write(const std::string& bytes);
  // Writes one chunk of a chunked response (empty = the final chunk).
  bool WriteChunk(const std::string& data);
  // Sends a complete response with Content-Length.
  bool Respond(int status, const std::string& body,
               const std::vector<std::string>& extra_headers = {});
  // Closes with an RST instead of a FIN.
  void Reset();
  void Close();

 private:
  bool Fill();
  bool ReadLine(std::string* line);
  bool ReadExact(size_t n, std::string* out);

  int fd_;
  std::string buffer_;
};

class LoopbackServer {
 public:
  using Handler = std::function<void(ServerConnection& connection)>;
  explicit LoopbackServer(Handler handler);
  ~LoopbackServer();  // Stops accepting and joins connection threads.

  int port() const { return port_; }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  int connections() const { return connections_.load(); }

  // A port on 127.0.0.1 that refuses connections (bound, never listened).
  static int ClosedPort();

 private:
  void AcceptLoop();

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread accept_thread_;
  std::mutex mutex_;  // Guards workers_ and open_fds_.
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
};

}  // namespace kvs_test

#endif  // TESTS_UNIT_NET_LOOPBACK_SERVER_H_
