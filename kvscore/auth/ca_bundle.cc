#include "kvscore/auth/ca_bundle.h"

#include <glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

namespace kvs {
namespace {

// Checks that `path` exists and is readable; fills `out`.
Status CheckPath(const std::string& source, const std::string& path,
                 ResolvedCaPath* out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Status(StatusCode::kInvalidArgument,
                  source + " " + path + ": " + g_strerror(errno));
  }
  const bool is_dir = S_ISDIR(st.st_mode);
  if (::access(path.c_str(), is_dir ? (R_OK | X_OK) : R_OK) != 0) {
    return Status(StatusCode::kInvalidArgument,
                  source + " " + path + ": " + g_strerror(errno));
  }
  out->path = path;
  out->source = source;
  out->is_directory = is_dir;
  return Status::Ok();
}

bool HasSpaceOrControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= ' ' || c == 0x7f) return true;
  }
  return false;
}

// libcurl's variable for https URLs, in the order it looks.
std::optional<std::pair<std::string, std::string>> ProxyFromEnvironment(
    const EnvironmentFn& env) {
  for (const char* name :
       {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    if (std::optional<std::string> value = GetEnv(env, name)) {
      return std::make_pair(std::string(name), *value);
    }
  }
  return std::nullopt;
}

}  // namespace

Result<ResolvedCaPath> ResolveCaPath(const std::string& ca_path_property,
                                     const EnvironmentFn& env) {
  ResolvedCaPath out;
  std::string source;
  std::optional<std::string> path;
  if (!ca_path_property.empty()) {
    source = "ca-path property";
    path = ca_path_property;
  } else if ((path = GetEnv(env, "KVSSINK_CA_CERT_PATH"))) {
    source = "KVSSINK_CA_CERT_PATH";
  } else if ((path = GetEnv(env, "AWS_CA_BUNDLE"))) {
    source = "AWS_CA_BUNDLE";
  }
  if (!path) {
    out.source = "system store";
    return out;
  }
  KVS_RETURN_IF_ERROR(CheckPath(source, ExpandHome(*path, env), &out));
  return out;
}

std::string RedactProxyUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  size_t authority = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t authority_end = url.find('/', authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  size_t at = url.rfind('@', authority_end);
  if (at == std::string_view::npos || at < authority) return std::string(url);
  return std::string(url.substr(0, authority)) + "***" +
         std::string(url.substr(at));
}

Result<ResolvedProxy> ResolveProxy(const std::string& proxy_property,
                                   const EnvironmentFn& env) {
  ResolvedProxy out;
  if (!proxy_property.empty()) {
    const std::string shown = RedactProxyUrl(proxy_property);
    if (HasSpaceOrControl(proxy_property)) {
      return Status(StatusCode::kInvalidArgument,
                    "proxy \"" + shown +
                        "\": contains spaces or control "
                        "characters");
    }
    size_t scheme_end = proxy_property.find("://");
    if (scheme_end != std::string::npos) {
      std::string scheme = proxy_property.substr(0, scheme_end);
      for (char& c : scheme) c = g_ascii_tolower(c);
      if (scheme != "http" && scheme != "https" && scheme != "socks4" &&
          scheme != "socks4a" && scheme != "socks5" && scheme != "socks5h") {
        return Status(StatusCode::kInvalidArgument,
                      "proxy \"" + shown + "\": unsupported scheme \"" +
                          scheme +
                          "\" (use http, https, socks4, socks4a, socks5 "
                          "or socks5h)");
      }
    }
    out.proxy = proxy_property;
    out.source = "proxy property";
    out.display = shown;
    return out;
  }
  if (auto from_env = ProxyFromEnvironment(env)) {
    out.source = from_env->first + " (environment, applied by libcurl)";
    out.display = RedactProxyUrl(from_env->second);
    return out;
  }
  out.source = "none";
  return out;
}

}  // namespace kvs
