// kvscore/net/curl_http_fetcher.h: the HttpFetcher credential providers use
// in production, over libcurl on the process network thread.
//
// Implements the whole contract of kvscore/auth/http_fetcher.h (read it
// first). In short, for each Fetch():
//   - thread: callable from any thread; the request starts on the network
//     thread (posted there when called elsewhere); `done` runs exactly once,
//     on the network thread, possibly before Fetch() returns;
//   - answers: any HTTP status is a response; redirects are not followed;
//   - failures: kInvalidArgument (URL not absolute http(s), method other
//     than GET/PUT/POST, timeout <= 0, only one of client cert/key, a header
//     name or value with CR/LF, max_response_bytes 0), kConnectFailed,
//     kTlsFailed (including a client certificate the server rejects after
//     the handshake, which TLS 1.3 reports as an alert on the first read),
//     kTimeout, kNetworkError, kResourceExhausted (body past
//     max_response_bytes, or more than 64 KiB of response headers; the
//     transfer is aborted at once), kCancelled (Shutdown() or destruction).
//     Messages: "HTTP <method> <url> failed: <cause>"; never a header value
//     or a body byte;
//   - TLS: ApplyTransportOptions() (verification on, TLS >= 1.2), the
//     request's ca_path (file -> CAINFO, directory -> CAPATH), client
//     certificate and key for mutual TLS;
//   - proxy: `bypass_proxy` sets CURLOPT_NOPROXY "*" (direct, whatever the
//     options or the environment say); otherwise Options::proxy when set,
//     else libcurl's environment handling (see kvscore/auth/ca_bundle.h);
//   - wire: HTTP/1.1; the request carries the caller's headers plus Host,
//     Accept ("*/*") and, for PUT/POST, Content-Length (also 0 for an empty
//     body); libcurl's default Content-Type and Expect headers are
//     suppressed, and no User-Agent is sent;
//   - logs: method, URL, status, byte count and duration at debug level.
//     libcurl's verbose trace (KVS_CURL_DEBUG) is forced off for these
//     transfers because it prints request headers (IMDS session tokens,
//     container Authorization tokens).
//
// Ownership and threads: create it anywhere, share it with
// std::shared_ptr (providers keep it), destroy it on any thread. The
// destructor cancels what is pending (their `done` run with kCancelled on
// the network thread before it returns) and waits for the network thread
// to do so, so the last reference must not be dropped while holding a lock
// that a `done` callback takes. Destroying it on the network thread (e.g.
// inside a `done`) is allowed.
#ifndef KVSCORE_NET_CURL_HTTP_FETCHER_H_
#define KVSCORE_NET_CURL_HTTP_FETCHER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "kvscore/auth/http_fetcher.h"

namespace kvs {

class NetworkThread;

class CurlHttpFetcher final : public HttpFetcher {
 public:
  struct Options {
    // The element's `proxy` property (ResolveProxy() in
    // kvscore/auth/ca_bundle.h), e.g. "http://proxy:3128"; applied to every
    // request that does not set `bypass_proxy`. "" = the environment.
    std::string proxy;
  };

  // Limit on the total size of response header lines, in bytes.
  static constexpr size_t kMaxHeaderBytes = 64 * 1024;

  // `thread` must be non-null; the fetcher keeps a reference to it.
  explicit CurlHttpFetcher(std::shared_ptr<NetworkThread> thread,
                           Options options = Options());
  // On the process network thread (NetworkThread::Acquire()).
  static std::shared_ptr<CurlHttpFetcher> Create(Options options = Options());

  // Cancels pending requests (see above) and waits for that to happen.
  ~CurlHttpFetcher() override;
  CurlHttpFetcher(const CurlHttpFetcher&) = delete;
  CurlHttpFetcher& operator=(const CurlHttpFetcher&) = delete;

  // See kvscore/auth/http_fetcher.h and the summary above. Thread-safe.
  void Fetch(HttpFetchRequest request, HttpFetchCallback done) override;

  // Completes every pending request with kCancelled, and every later
  // Fetch() too. Thread-safe; returns after the callbacks ran (on the
  // network thread). Idempotent.
  void Shutdown();

  // Requests started and not yet completed. Network thread only (tests).
  size_t pending() const;

 private:
  class Core;
  struct Transfer;

  std::shared_ptr<NetworkThread> thread_;
  std::shared_ptr<Core> core_;
};

}  // namespace kvs

#endif  // KVSCORE_NET_CURL_HTTP_FETCHER_H_
