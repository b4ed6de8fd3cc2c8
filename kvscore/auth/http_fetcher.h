// kvscore/auth/http_fetcher.h: the HTTP transport credential providers use.
//
// Some credential providers fetch credentials over HTTP: the IoT credentials
// provider (HTTPS with a client certificate), container credentials (ECS,
// EKS Pod Identity, Greengrass) and EC2 instance metadata (IMDSv2). They do
// it through this interface, which kvscore/net implements over libcurl on the
// network thread; tests implement it with canned answers. auth/ never talks
// to the network itself.
//
// Contract for implementations:
//   - Fetch() starts one request and returns at once; it never blocks the
//     calling thread on the network. It is called on the network thread
//     (credential providers run there).
//   - `done` runs exactly once, on the network thread. It may run before
//     Fetch() returns (e.g. for a URL that cannot be parsed), so callers hold
//     no lock across Fetch().
//   - Any HTTP answer, whatever its status (4xx and 5xx included), is a
//     successful Result carrying the status, headers and body. A Result error
//     means no complete answer arrived: kConnectFailed (DNS, refused,
//     unreachable), kTlsFailed (handshake, certificate verification, client
//     certificate rejected), kTimeout (the request's time limit passed),
//     kNetworkError (reset mid-transfer), kResourceExhausted (the body grew
//     past `max_response_bytes`), kInvalidArgument (bad URL or options).
//     The error message names the URL and the cause, never a header value
//     or body.
//   - When the transport shuts down, pending requests complete with
//     kCancelled; `done` is never dropped.
//   - Redirects are not followed (a 3xx is returned as a response).
//   - Secrets: request header values (IMDS session tokens, container
//     Authorization tokens) and response bodies (they hold credentials) are
//     never logged, not even at trace level; implementations may log the
//     method, URL, status and timing.
//   - TLS (https URLs): peer and host verification always on, TLS >= 1.2.
//     `ca_path` selects the trust store: a PEM bundle file (CURLOPT_CAINFO)
//     or a directory of hashed certificates (CURLOPT_CAPATH); empty means the
//     transport's default store. `client_cert_path` and `client_key_path`
//     (PEM files) enable mutual TLS; both or neither are set.
//   - Proxies: when `bypass_proxy` is set the request goes direct even if
//     HTTPS_PROXY/HTTP_PROXY/the element's proxy is configured (link-local
//     metadata endpoints must never be proxied, as in the AWS SDKs);
//     otherwise the transport's proxy settings apply.
//   - The transport may add Host, Accept and Content-Length; it adds no
//     other headers, and sends `body` as is (also for an empty PUT).
#ifndef KVSCORE_AUTH_HTTP_FETCHER_H_
#define KVSCORE_AUTH_HTTP_FETCHER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kvscore/base/status.h"

namespace kvs {

struct HttpFetchRequest {
  std::string method = "GET";  // "GET" or "PUT".
  // Absolute URL: "http://169.254.169.254/latest/api/token",
  // "https://c1234.credentials.iot.us-west-2.amazonaws.com/role-aliases/
  // alias/credentials". IPv6 literals in brackets.
  std::string url;
  // Extra request headers, sent in this order. Values may be secret.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Limit for the whole exchange (connect, send, receive), in ms. > 0.
  int64_t timeout_ms = 5000;
  // Limit for connection establishment (TCP + TLS), in ms; 0 means
  // `timeout_ms`.
  int64_t connect_timeout_ms = 0;
  std::string client_cert_path;  // PEM client certificate for mutual TLS.
  std::string client_key_path;   // PEM private key (secret file).
  std::string ca_path;           // PEM bundle or hashed CA directory.
  bool bypass_proxy = false;
  // Larger bodies fail the request with kResourceExhausted, in bytes.
  size_t max_response_bytes = 64 * 1024;
};

struct HttpFetchResponse {
  int status = 0;  // HTTP status code, e.g. 200.
  // Response headers in arrival order; names as received.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // May hold secrets.
};

using HttpFetchCallback = std::function<void(Result<HttpFetchResponse>)>;

class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  // Starts `request`; `done` runs once on the network thread. See the
  // contract above.
  virtual void Fetch(HttpFetchRequest request, HttpFetchCallback done) = 0;
};

}  // namespace kvs

#endif  // KVSCORE_AUTH_HTTP_FETCHER_H_
