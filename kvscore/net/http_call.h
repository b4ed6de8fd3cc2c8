// kvscore/net/http_call.h: one asynchronous HTTP request on the network
// thread, and the transport settings every kvscore connection shares.
//
// Used for the control plane (DescribeStream, CreateStream, ...), and by the
// credential providers that fetch over HTTP. PutMedia has its own session
// type (put_media_session.h) because its body streams.
//
// Transport security (issue 7 / DESIGN.md): TLS peer and host verification
// are always on for https, with TLS 1.2 as the minimum. `ca_path` picks the
// trust store (a PEM file or a hashed directory); empty means the system
// store. `proxy` sets an explicit proxy; when empty, libcurl honours the
// standard HTTPS_PROXY/HTTP_PROXY/NO_PROXY environment variables.
#ifndef KVSCORE_NET_HTTP_CALL_H_
#define KVSCORE_NET_HTTP_CALL_H_

#include <curl/curl.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kvscore/base/status.h"

namespace kvs {

class NetworkThread;

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct TransportOptions {
  std::string ca_path;                // PEM file or c_rehash'ed directory.
  std::string proxy;                  // e.g. "http://proxy:3128"; empty = env.
  std::string client_cert_path;       // PEM client certificate (IoT mTLS).
  std::string client_key_path;        // PEM private key for client_cert_path.
  int64_t connect_timeout_ms = 5000;  // TCP + TLS handshake bound.
};

struct HttpRequest {
  std::string method = "POST";
  std::string url;      // Absolute http:// or https:// URL.
  HttpHeaders headers;  // Sent as given; Host is added by libcurl.
  std::string body;
  int64_t total_timeout_ms = 10000;  // Whole-request bound; 0 = none.
  TransportOptions transport;
};

struct HttpResponse {
  long status = 0;      // HTTP status code.
  HttpHeaders headers;  // Names as received; values trimmed.
  std::string body;
  // The first header named `name` (case-insensitive); "" when absent.
  std::string Header(std::string_view name) const;
};

// Maps a failed curl transfer to a Status: connection refused and DNS
// failures -> kConnectFailed, timeouts -> kTimeout, certificate and
// handshake failures -> kTlsFailed (not retried, error_class.h) except a
// handshake the network cut short (reset, EOF) -> kNetworkError, anything
// else -> kNetworkError. `what`
// names the operation ("DescribeStream") and `url` is included (URLs never
// carry secrets).
Status StatusFromCurl(CURLcode code, const char* error_buffer,
                      std::string_view what, std::string_view url);

// Applies `options` plus kvscore's fixed transport policy (TLS >= 1.2,
// verification on, no signals, TCP_NODELAY, http/https only) to `easy`.
void ApplyTransportOptions(CURL* easy, const TransportOptions& options);

// One request. Create, Start and destroy it on the network thread.
class HttpCall {
 public:
  // Receives the response (any HTTP status, including 4xx/5xx) or the
  // transport failure. Runs on the network thread. The HttpCall may be
  // destroyed from inside `done`.
  using Done = std::function<void(Result<HttpResponse>)>;

  HttpCall(NetworkThread* thread, HttpRequest request, std::string what);
  // Cancels the request if it is still running; `done` is then not called.
  ~HttpCall();
  HttpCall(const HttpCall&) = delete;
  HttpCall& operator=(const HttpCall&) = delete;

  void Start(Done done);

 private:
  static size_t OnWrite(char* data, size_t size, size_t count, void* self);
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  void OnDone(CURLcode code);

  NetworkThread* thread_;
  HttpRequest request_;
  std::string what_;
  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  HttpResponse response_;
  Done done_;
  bool running_ = false;
  char error_[CURL_ERROR_SIZE] = {0};
};

}  // namespace kvs

#endif  // KVSCORE_NET_HTTP_CALL_H_
