// kvscore/auth/ca_bundle.h: which trust store and which proxy kvssink's
// connections use (issue 7, "Transport").
//
// Trust store, first match wins:
//   1. the element's `ca-path` property;
//   2. KVSSINK_CA_CERT_PATH, upstream kvssink's variable: a PEM file
//      (CURLOPT_CAINFO) or a directory of c_rehash'ed certificates
//      (CURLOPT_CAPATH) (upstream-kvssink.md A.4, KvsSinkDeviceInfoProvider);
//   3. AWS_CA_BUNDLE, the AWS CLI/SDK variable (a PEM bundle; a directory is
//      accepted too);
//   4. nothing: libcurl's default store (the system's CA certificates).
// A configured path that does not exist is an error rather than a silent
// fall-back to the system store: the user meant to pin a CA.
//
// Proxy: the `proxy` property when set; otherwise kvssink leaves proxy
// selection to libcurl, which reads the environment per request:
// `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy` (lower case only;
// libcurl ignores HTTP_PROXY) for http URLs, then `all_proxy`/`ALL_PROXY`,
// with `no_proxy`/`NO_PROXY` listing hosts to reach directly. NO_PROXY also
// applies to a proxy given by the property (libcurl checks it for any
// proxy). Requests marked `bypass_proxy` (EC2 metadata, container
// credentials) never use a proxy (kvscore/auth/http_fetcher.h).
//
// Pure apart from reading the environment through `env` and stat()ing the
// configured path. Thread-safe.
#ifndef KVSCORE_AUTH_CA_BUNDLE_H_
#define KVSCORE_AUTH_CA_BUNDLE_H_

#include <string>
#include <string_view>

#include "kvscore/auth/environment.h"
#include "kvscore/base/status.h"

namespace kvs {

struct ResolvedCaPath {
  // For TransportOptions::ca_path / HttpFetchRequest::ca_path; "" means the
  // system store. A leading "~/" is expanded (ExpandHome()).
  std::string path;
  // "ca-path property", "KVSSINK_CA_CERT_PATH", "AWS_CA_BUNDLE" or
  // "system store", for logs.
  std::string source;
  bool is_directory = false;  // CURLOPT_CAPATH rather than CURLOPT_CAINFO.
};

// Resolves the trust store as described above. `ca_path_property` is the
// property's value ("" = unset); variables set to "" count as unset.
// Errors: kInvalidArgument when the chosen path does not exist or cannot be
// read, naming its source and path, e.g. "KVSSINK_CA_CERT_PATH
// /etc/kvs/ca.pem: No such file or directory". Later sources are not tried
// then.
Result<ResolvedCaPath> ResolveCaPath(const std::string& ca_path_property,
                                     const EnvironmentFn& env);

struct ResolvedProxy {
  // For the transport's explicit proxy (TransportOptions::proxy,
  // CurlHttpFetcher options). "" = let libcurl read the environment.
  std::string proxy;
  // "proxy property", the environment variable libcurl will use for https
  // URLs (e.g. "HTTPS_PROXY (environment, applied by libcurl)"), or "none".
  std::string source;
  // `proxy` or the environment's value with any user:password replaced by
  // "***", for logs (a proxy URL may carry credentials).
  std::string display;
};

// Resolves the proxy as described above. Errors: kInvalidArgument for a
// property that contains whitespace or control characters or names a scheme
// libcurl's proxies do not speak (allowed: http, https, socks4, socks4a,
// socks5, socks5h, or no scheme = http); the message shows the redacted
// value.
Result<ResolvedProxy> ResolveProxy(const std::string& proxy_property,
                                   const EnvironmentFn& env);

// "http://user:secret@proxy:3128" -> "http://***@proxy:3128"; URLs without
// user information are returned unchanged.
std::string RedactProxyUrl(std::string_view url);

}  // namespace kvs

#endif  // KVSCORE_AUTH_CA_BUNDLE_H_
