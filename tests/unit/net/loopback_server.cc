#include "tests/unit/net/loopback_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace kvs_test {

ServerConnection::~ServerConnection() { Close(); }

void ServerConnection::Close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void ServerConnection::Reset() {
  if (fd_ < 0) return;
  struct linger lin = {1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
  Close();
}

bool ServerConnection::Fill() {
  if (fd_ < 0) return false;
  char buf[16384];
  ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

bool ServerConnection::ReadLine(std::string* line) {
  size_t pos;
  while ((pos = buffer_.find("\r\n")) == std::string::npos) {
    if (!Fill()) return false;
  }
  *line = buffer_.substr(0, pos);
  buffer_.erase(0, pos + 2);
  return true;
}

bool ServerConnection::ReadExact(size_t n, std::string* out) {
  while (buffer_.size() < n) {
    if (!Fill()) return false;
  }
  out->assign(buffer_, 0, n);
  buffer_.erase(0, n);
  return true;
}

bool ServerConnection::ReadHead(RequestHead* head) {
  std::string line;
  if (!ReadLine(&line)) return false;
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return false;
  head->method = line.substr(0, sp1);
  head->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  head->headers.clear();
  while (ReadLine(&line) && !line.empty()) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    size_t v = line.find_first_not_of(' ', colon + 1);
    head->headers[name] = v == std::string::npos ? "" : line.substr(v);
  }
  if (head->Header("expect") == "100-continue") {
    Write("HTTP/1.1 100 Continue\r\n\r\n");
  }
  return true;
}

bool ServerConnection::ReadBody(size_t length, std::string* body) {
  return ReadExact(length, body);
}

bool ServerConnection::ReadChunk(std::string* data, bool* ended) {
  *ended = false;
  std::string line;
  if (!ReadLine(&line)) return false;
  size_t size = std::strtoul(line.c_str(), nullptr, 16);
  if (size == 0) {
    ReadLine(&line);  // Trailer end.
    *ended = true;
    return false;
  }
  if (!ReadExact(size, data)) return false;
  return ReadLine(&line);
}

bool ServerConnection::Write(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    if (fd_ < 0) return false;
    ssize_t n =
        ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool ServerConnection::WriteChunk(const std::string& data) {
  char size[32];
  snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return Write(size + data + "\r\n");
}

bool ServerConnection::Respond(int status, const std::string& body,
                               const std::vector<std::string>& extra) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  for (const std::string& h : extra) head += h + "\r\n";
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  return Write(head + body);
}

LoopbackServer::LoopbackServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(listen_fd_, 16);
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

LoopbackServer::~LoopbackServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  accept_thread_.join();
  ::close(listen_fd_);
  std::vector<std::thread> workers;
  {
    // Wake handlers blocked on idle keep-alive connections.
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (std::thread& t : workers) t.join();
}

void LoopbackServer::AcceptLoop() {
  while (!stopping_) {
    pollfd pfd = {listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, -1) <= 0 || stopping_) break;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) break;
    ++connections_;
    std::lock_guard<std::mutex> lock(mutex_);
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] {
      {
        ServerConnection connection(fd);
        handler_(connection);
        std::lock_guard<std::mutex> lock(mutex_);
        open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
      }
    });
  }
}

int LoopbackServer::ClosedPort() {
  static int fd = -1;
  static int port = 0;
  if (fd < 0) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  return port;
}

}  // namespace kvs_test
