#include "kvscore/net/curl_http_fetcher.h"

#include <curl/curl.h>
#include <glib.h>

#include <cstring>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "kvscore/base/log.h"
#include "kvscore/net/http_call.h"
#include "kvscore/net/network_thread.h"

namespace kvs {
namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

std::string What(const HttpFetchRequest& request) {
  return "HTTP " + request.method + " " + request.url;
}

Status Invalid(const HttpFetchRequest& request, const std::string& why) {
  return Status(StatusCode::kInvalidArgument, What(request) + ": " + why);
}

bool HasLineBreak(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos;
}

bool IsTokenChar(char c) {
  return g_ascii_isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Status ValidateUrl(const HttpFetchRequest& request) {
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (curl_url_set(url.get(), CURLUPART_URL, request.url.c_str(), 0) !=
      CURLUE_OK) {
    return Invalid(request, "not a valid absolute URL");
  }
  char* scheme = nullptr;
  char* host = nullptr;
  curl_url_get(url.get(), CURLUPART_SCHEME, &scheme, 0);
  curl_url_get(url.get(), CURLUPART_HOST, &host, 0);
  const bool scheme_ok =
      scheme != nullptr && (g_ascii_strcasecmp(scheme, "http") == 0 ||
                            g_ascii_strcasecmp(scheme, "https") == 0);
  const bool host_ok = host != nullptr && host[0] != '\0';
  curl_free(scheme);
  curl_free(host);
  if (!scheme_ok) return Invalid(request, "the scheme must be http or https");
  if (!host_ok) return Invalid(request, "the URL has no host");
  return Status::Ok();
}

Status Validate(const HttpFetchRequest& request) {
  if (request.method != "GET" && request.method != "PUT" &&
      request.method != "POST") {
    return Invalid(request, "method must be GET, PUT or POST");
  }
  KVS_RETURN_IF_ERROR(ValidateUrl(request));
  if (request.timeout_ms <= 0 || request.connect_timeout_ms < 0) {
    return Invalid(request, "timeouts must be > 0 ms");
  }
  if (request.client_cert_path.empty() != request.client_key_path.empty()) {
    return Invalid(request, "client certificate and key must be set together");
  }
  if (request.max_response_bytes == 0) {
    return Invalid(request, "max_response_bytes must be > 0");
  }
  for (const auto& header : request.headers) {
    bool name_ok = !header.first.empty();
    for (char c : header.first) name_ok = name_ok && IsTokenChar(c);
    if (!name_ok) return Invalid(request, "a header name is not a token");
    // Values are secret: name the header, never show the value.
    if (HasLineBreak(header.second)) {
      return Invalid(request, "the value of header " + header.first +
                                  " contains a line break");
    }
  }
  return Status::Ok();
}

bool HasHeader(const HttpFetchRequest& request, const char* name) {
  for (const auto& header : request.headers) {
    if (g_ascii_strcasecmp(header.first.c_str(), name) == 0) return true;
  }
  return false;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// StatusFromCurl() plus what the fetcher contract adds: bad input is
// kInvalidArgument, every TLS-layer failure (including a peer's TLS alert
// after the handshake, how TLS 1.3 servers reject a client certificate) is
// kTlsFailed, and an announced oversized body is kResourceExhausted.
Status FetchStatusFromCurl(CURLcode code, const char* error,
                           const HttpFetchRequest& request) {
  // StatusFromCurl() for the code; the message in this file's wording.
  StatusCode mapped =
      StatusFromCurl(code, error, "HTTP " + request.method, request.url).code();
  const std::string detail =
      (error != nullptr && error[0] != '\0') ? error : curl_easy_strerror(code);
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      mapped = StatusCode::kInvalidArgument;
      break;
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_SHUTDOWN_FAILED:
#if LIBCURL_VERSION_NUM >= 0x074d00
    case CURLE_SSL_CLIENTCERT:
#endif
      mapped = StatusCode::kTlsFailed;
      break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      if (error != nullptr && strstr(error, " alert ") != nullptr) {
        mapped = StatusCode::kTlsFailed;
      }
      break;
    case CURLE_FILESIZE_EXCEEDED:
      return Status(StatusCode::kResourceExhausted,
                    What(request) +
                        " failed: the response body is larger "
                        "than " +
                        std::to_string(request.max_response_bytes) + " bytes");
    default:
      break;
  }
  return Status(mapped, What(request) + " failed: " + detail);
}

}  // namespace

// One request in flight. Owned by Core::transfers_; network thread only.
struct CurlHttpFetcher::Transfer {
  HttpFetchRequest request;
  HttpFetchCallback done;
  std::unique_ptr<CURL, EasyDeleter> easy;
  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  HttpFetchResponse response;
  size_t header_bytes = 0;
  Status abort;  // Why a callback stopped the transfer, if one did.
  gint64 started_us = 0;
  char error[CURL_ERROR_SIZE] = {0};

  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static size_t OnWrite(char* data, size_t size, size_t count, void* self);
  void Configure(const Options& options);
  // The answer for a transfer that ended with `code`.
  Result<HttpFetchResponse> Finish(CURLcode code);
};

// The state Fetch() closures share with the fetcher. Posted closures keep
// it alive, so a request posted before the fetcher died still completes
// (with kCancelled). Network thread only, except construction.
class CurlHttpFetcher::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(NetworkThread* thread, Options options)
      : thread_(thread), options_(std::move(options)) {}

  void Start(HttpFetchRequest request, HttpFetchCallback done);
  void CancelAll();
  size_t pending() const { return transfers_.size(); }

 private:
  void OnDone(CURL* easy, CURLcode code);

  NetworkThread* const thread_;
  const Options options_;
  bool shut_down_ = false;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers_;
};

void CurlHttpFetcher::Transfer::Configure(const Options& options) {
  CURL* e = easy.get();
  TransportOptions transport;
  transport.ca_path = request.ca_path;
  transport.proxy = options.proxy;
  transport.client_cert_path = request.client_cert_path;
  transport.client_key_path = request.client_key_path;
  transport.connect_timeout_ms = request.connect_timeout_ms > 0
                                     ? request.connect_timeout_ms
                                     : request.timeout_ms;
  ApplyTransportOptions(e, transport);
  // The trace would print secret header values.
  curl_easy_setopt(e, CURLOPT_VERBOSE, 0L);
  if (request.bypass_proxy) curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                   static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(request.timeout_ms));
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(request.max_response_bytes));
  if (request.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_slist* list = nullptr;
  for (const auto& header : request.headers) {
    // "Name;" is libcurl's spelling of a header with an empty value.
    std::string line = header.second.empty()
                           ? header.first + ";"
                           : header.first + ": " + header.second;
    list = curl_slist_append(list, line.c_str());
  }
  // Only what the contract allows: no form Content-Type, no 100-continue.
  if (!HasHeader(request, "Content-Type")) {
    list = curl_slist_append(list, "Content-Type:");
  }
  if (!HasHeader(request, "Expect")) list = curl_slist_append(list, "Expect:");
  header_list.reset(list);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::OnWrite);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
}

size_t CurlHttpFetcher::Transfer::OnHeader(char* data, size_t size,
                                           size_t count, void* self) {
  auto* t = static_cast<Transfer*>(self);
  const size_t n = size * count;
  t->header_bytes += n;
  if (t->header_bytes > kMaxHeaderBytes) {
    t->abort = Status(StatusCode::kResourceExhausted,
                      What(t->request) +
                          " failed: response headers larger "
                          "than " +
                          std::to_string(kMaxHeaderBytes) + " bytes");
    return 0;  // Aborts the transfer.
  }
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // A new response (after a 100).
    return n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    t->response.headers.emplace_back(Trim(line.substr(0, colon)),
                                     Trim(line.substr(colon + 1)));
  }
  return n;
}

size_t CurlHttpFetcher::Transfer::OnWrite(char* data, size_t size, size_t count,
                                          void* self) {
  auto* t = static_cast<Transfer*>(self);
  const size_t n = size * count;
  if (n > t->request.max_response_bytes - t->response.body.size()) {
    t->abort =
        Status(StatusCode::kResourceExhausted,
               What(t->request) + " failed: the response body is larger than " +
                   std::to_string(t->request.max_response_bytes) + " bytes");
    return 0;  // Aborts the transfer.
  }
  t->response.body.append(data, n);
  return n;
}

Result<HttpFetchResponse> CurlHttpFetcher::Transfer::Finish(CURLcode code) {
  const long long elapsed_ms = (g_get_monotonic_time() - started_us) / 1000;
  Status failure = abort;
  if (failure.ok() && code != CURLE_OK) {
    failure = FetchStatusFromCurl(code, error, request);
  }
  if (!failure.ok()) {
    KVS_LOG_DEBUG("%s after %lld ms", failure.ToString().c_str(), elapsed_ms);
    return failure;
  }
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  KVS_LOG_DEBUG("%s -> %d (%zu bytes, %lld ms)", What(request).c_str(),
                response.status, response.body.size(), elapsed_ms);
  return std::move(response);
}

void CurlHttpFetcher::Core::Start(HttpFetchRequest request,
                                  HttpFetchCallback done) {
  if (shut_down_) {
    done(Status(StatusCode::kCancelled,
                What(request) + " cancelled: the fetcher was shut down"));
    return;
  }
  if (Status valid = Validate(request); !valid.ok()) {
    done(std::move(valid));
    return;
  }
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  transfer->easy.reset(curl_easy_init());
  if (!transfer->easy) {
    transfer->done(Status(StatusCode::kInternal,
                          What(transfer->request) + ": curl_easy_init failed"));
    return;
  }
  transfer->Configure(options_);
  transfer->started_us = g_get_monotonic_time();
  CURL* easy = transfer->easy.get();
  transfers_[easy] = std::move(transfer);
  // `this` outlives the transfer: CancelAll() removes every transfer before
  // the fetcher lets go of the core.
  thread_->AddTransfer(easy,
                       [this, easy](CURLcode code) { OnDone(easy, code); });
}

void CurlHttpFetcher::Core::OnDone(CURL* easy, CURLcode code) {
  std::shared_ptr<Core> self = shared_from_this();  // `done` may drop us.
  auto it = transfers_.find(easy);
  if (it == transfers_.end()) return;
  std::unique_ptr<Transfer> t = std::move(it->second);
  transfers_.erase(it);
  Result<HttpFetchResponse> result = t->Finish(code);
  HttpFetchCallback done = std::move(t->done);
  t.reset();  // Frees the easy handle before user code runs.
  done(std::move(result));
}

void CurlHttpFetcher::Core::CancelAll() {
  std::shared_ptr<Core> self = shared_from_this();
  shut_down_ = true;
  std::map<CURL*, std::unique_ptr<Transfer>> cancelled;
  cancelled.swap(transfers_);
  for (auto& entry : cancelled) thread_->RemoveTransfer(entry.first);
  for (auto& entry : cancelled) {
    Transfer& t = *entry.second;
    HttpFetchCallback done = std::move(t.done);
    Status status(StatusCode::kCancelled,
                  What(t.request) + " cancelled: the fetcher was shut down");
    entry.second.reset();
    done(std::move(status));
  }
}

CurlHttpFetcher::CurlHttpFetcher(std::shared_ptr<NetworkThread> thread,
                                 Options options)
    : thread_(std::move(thread)),
      core_(std::make_shared<Core>(thread_.get(), std::move(options))) {}

std::shared_ptr<CurlHttpFetcher> CurlHttpFetcher::Create(Options options) {
  return std::make_shared<CurlHttpFetcher>(NetworkThread::Acquire(),
                                           std::move(options));
}

CurlHttpFetcher::~CurlHttpFetcher() { Shutdown(); }

void CurlHttpFetcher::Fetch(HttpFetchRequest request, HttpFetchCallback done) {
  if (thread_->IsCurrent()) {
    core_->Start(std::move(request), std::move(done));
    return;
  }
  thread_->Post([core = core_, request = std::move(request),
                 done = std::move(done)]() mutable {
    core->Start(std::move(request), std::move(done));
  });
}

void CurlHttpFetcher::Shutdown() {
  std::shared_ptr<Core> core = core_;
  thread_->RunSync([core] { core->CancelAll(); });
}

size_t CurlHttpFetcher::pending() const { return core_->pending(); }

}  // namespace kvs
