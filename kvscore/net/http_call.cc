#include "kvscore/net/http_call.h"

#include <glib.h>
#include <strings.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "kvscore/base/log.h"
#include "kvscore/net/network_thread.h"

namespace kvs {
namespace {

std::string Trim(std::string_view s) {
  size_t begin = 0, end = s.size();
  while (begin < end && (s[begin] == ' ' || s[begin] == '\t')) ++begin;
  while (end > begin && (s[end - 1] == ' ' || s[end - 1] == '\t' ||
                         s[end - 1] == '\r' || s[end - 1] == '\n')) {
    --end;
  }
  return std::string(s.substr(begin, end - begin));
}

// CURLE_SSL_CONNECT_ERROR covers every handshake failure. Those where the
// connection broke before either side gave a TLS verdict (reset, EOF) are
// network trouble worth a retry; the rest (alerts, versions, certificates)
// fail the same way again.
bool HandshakeCutShort(const char* error_buffer) {
  if (error_buffer == nullptr) return false;
  for (const char* cause :
       {"SSL_ERROR_SYSCALL", "Connection reset", "unexpected eof",
        "Broken pipe", "Connection timed out"}) {
    if (std::strstr(error_buffer, cause) != nullptr) return true;
  }
  return false;
}

StatusCode CodeForCurl(CURLcode code, const char* error_buffer) {
  // A TLS 1.3 server rejects a client certificate with an alert that
  // libcurl reports as a receive/send error.
  if ((code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR) &&
      error_buffer != nullptr &&
      std::strstr(error_buffer, "alert") != nullptr) {
    return StatusCode::kTlsFailed;
  }
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return StatusCode::kConnectFailed;
    case CURLE_OPERATION_TIMEDOUT:
      return StatusCode::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
      return HandshakeCutShort(error_buffer) ? StatusCode::kNetworkError
                                             : StatusCode::kTlsFailed;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return StatusCode::kTlsFailed;
    default:
      return StatusCode::kNetworkError;
  }
}

// CURLOPT_DEBUGFUNCTION for KVS_CURL_DEBUG: text and headers only, with the
// X-Amz-Security-Token value replaced.
int CurlTrace(CURL* easy, curl_infotype type, char* data, size_t size,
              void* user) {
  static const char* const kPrefix[] = {"* ", "< ", "> "};
  int which = type == CURLINFO_TEXT         ? 0
              : type == CURLINFO_HEADER_IN  ? 1
              : type == CURLINFO_HEADER_OUT ? 2
                                            : -1;
  if (which < 0) return 0;  // Bodies may hold credentials: never printed.
  std::string_view text(data, size);
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? "" : text.substr(end + 1);
    if (line.empty() || line == "\r") continue;
    bool secret =
        line.size() >= 20 &&
        g_ascii_strncasecmp(line.data(), "x-amz-security-token", 20) == 0;
    std::fprintf(stderr, "%s%.*s\n", kPrefix[which],
                 static_cast<int>(secret ? 21 : line.size()), line.data());
    if (secret) std::fprintf(stderr, "  (value redacted)\n");
  }
  return 0;
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& header : headers) {
    if (header.first.size() == name.size() &&
        strncasecmp(header.first.data(), name.data(), name.size()) == 0) {
      return header.second;
    }
  }
  return "";
}

Status StatusFromCurl(CURLcode code, const char* error_buffer,
                      std::string_view what, std::string_view url) {
  std::string detail = (error_buffer != nullptr && error_buffer[0] != '\0')
                           ? error_buffer
                           : curl_easy_strerror(code);
  return Status(
      CodeForCurl(code, error_buffer),
      std::string(what) + " to " + std::string(url) + " failed: " + detail);
}

void ApplyTransportOptions(CURL* easy, const TransportOptions& options) {
  // KVS_CURL_DEBUG=1 prints libcurl's trace (connection notes and headers,
  // never bodies) to stderr, as upstream's variable of the same name; the
  // session token header's value is redacted.
  static const bool verbose = g_getenv("KVS_CURL_DEBUG") != nullptr;
  if (verbose) {
    curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, &CurlTrace);
    curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
  }
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(easy, CURLOPT_SSLVERSION,
                   static_cast<long>(CURL_SSLVERSION_TLSv1_2));
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS,
                   static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout_ms));
  if (!options.ca_path.empty()) {
    bool is_dir = g_file_test(options.ca_path.c_str(), G_FILE_TEST_IS_DIR);
    curl_easy_setopt(easy, is_dir ? CURLOPT_CAPATH : CURLOPT_CAINFO,
                     options.ca_path.c_str());
  }
  if (!options.proxy.empty()) {
    curl_easy_setopt(easy, CURLOPT_PROXY, options.proxy.c_str());
  }
  if (!options.client_cert_path.empty()) {
    curl_easy_setopt(easy, CURLOPT_SSLCERT, options.client_cert_path.c_str());
    curl_easy_setopt(easy, CURLOPT_SSLKEY, options.client_key_path.c_str());
  }
}

HttpCall::HttpCall(NetworkThread* thread, HttpRequest request, std::string what)
    : thread_(thread), request_(std::move(request)), what_(std::move(what)) {}

HttpCall::~HttpCall() {
  if (running_) thread_->RemoveTransfer(easy_);
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
  curl_slist_free_all(header_list_);
}

void HttpCall::Start(Done done) {
  done_ = std::move(done);
  easy_ = curl_easy_init();
  ApplyTransportOptions(easy_, request_.transport);
  curl_easy_setopt(easy_, CURLOPT_URL, request_.url.c_str());
  curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, request_.method.c_str());
  if (request_.method == "POST" || request_.method == "PUT" ||
      !request_.body.empty()) {
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, request_.body.data());
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request_.body.size()));
  }
  for (const auto& header : request_.headers) {
    std::string line = header.first + ": " + header.second;
    header_list_ = curl_slist_append(header_list_, line.c_str());
  }
  // No "Expect: 100-continue" round trip for small JSON bodies.
  header_list_ = curl_slist_append(header_list_, "Expect:");
  curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, header_list_);
  if (request_.total_timeout_ms > 0) {
    curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(request_.total_timeout_ms));
  }
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpCall::OnWrite);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &HttpCall::OnHeader);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  running_ = true;
  thread_->AddTransfer(easy_, [this](CURLcode code) { OnDone(code); });
}

size_t HttpCall::OnWrite(char* data, size_t size, size_t count, void* self) {
  static_cast<HttpCall*>(self)->response_.body.append(data, size * count);
  return size * count;
}

size_t HttpCall::OnHeader(char* data, size_t size, size_t count, void* self) {
  auto* call = static_cast<HttpCall*>(self);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    call->response_.headers.clear();  // A new response (e.g. after 100).
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    call->response_.headers.emplace_back(Trim(line.substr(0, colon)),
                                         Trim(line.substr(colon + 1)));
  }
  return size * count;
}

void HttpCall::OnDone(CURLcode code) {
  running_ = false;
  Done done = std::move(done_);
  if (code != CURLE_OK) {
    done(StatusFromCurl(code, error_, what_, request_.url));
    return;
  }
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &response_.status);
  done(std::move(response_));
}

}  // namespace kvs
