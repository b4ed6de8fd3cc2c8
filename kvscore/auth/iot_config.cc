#include "kvscore/auth/iot_config.h"

#include <string_view>

namespace kvs {
namespace {

constexpr char kPrefix[] = "iot-certificate: ";
constexpr const char* kKnownKeys[] = {
    "endpoint",           "cert-path",
    "key-path",           "ca-path",
    "role-aliases",       "iot-thing-name",
    "connection-timeout", "completion-timeout",
};

Status Invalid(const std::string& message) {
  return Status(StatusCode::kInvalidArgument, kPrefix + message);
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

bool IsKnownKey(const std::string& key) {
  for (const char* known : kKnownKeys) {
    if (key == known) return true;
  }
  return false;
}

// Reads `key` into `out`. Absent: `required` decides. Present: must not be
// empty after trimming.
Status ReadKey(const std::map<std::string, std::string>& fields,
               const char* key, bool required, std::string* out) {
  auto it = fields.find(key);
  if (it == fields.end()) {
    return required ? Invalid(std::string("missing key \"") + key + "\"")
                    : Status::Ok();
  }
  *out = Trim(it->second);
  if (out->empty()) {
    return Invalid(std::string("key \"") + key + "\" is empty");
  }
  return Status::Ok();
}

// Whole seconds, as upstream's std::stoull reads them, but strict.
Status ReadTimeout(const std::map<std::string, std::string>& fields,
                   const char* key, int64_t* out_ms) {
  std::string text;
  KVS_RETURN_IF_ERROR(ReadKey(fields, key, false, &text));
  if (text.empty()) return Status::Ok();
  int64_t seconds = 0;
  bool digits = text.size() <= 6;
  for (char c : text) {
    if (c < '0' || c > '9') digits = false;
    if (digits) seconds = seconds * 10 + (c - '0');
  }
  if (!digits || seconds < 1 || seconds > kMaxIotTimeoutSeconds) {
    return Invalid(std::string("key \"") + key + "\" must be whole seconds " +
                   "from 1 to " + std::to_string(kMaxIotTimeoutSeconds) +
                   ", got \"" + text.substr(0, 16) + "\"");
  }
  *out_ms = seconds * 1000;
  return Status::Ok();
}

Status CheckEndpoint(const std::string& endpoint) {
  std::string_view rest = endpoint;
  size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string scheme(rest.substr(0, scheme_end));
    if (scheme != "https") {
      return Invalid(
          "key \"endpoint\" must be a host name or an https URL, "
          "got \"" +
          endpoint + "\"");
    }
    rest.remove_prefix(scheme_end + 3);
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return Invalid(
        "key \"endpoint\" must be host[:port] without a path, "
        "got \"" +
        endpoint + "\"");
  }
  return Status::Ok();
}

}  // namespace

Result<IotCredentialConfig> IotConfigFromFields(
    const std::map<std::string, std::string>& fields,
    const std::string& stream_name, IotConfigExtras* extras) {
  IotCredentialConfig config;
  KVS_RETURN_IF_ERROR(ReadKey(fields, "endpoint", true, &config.endpoint));
  KVS_RETURN_IF_ERROR(CheckEndpoint(config.endpoint));
  KVS_RETURN_IF_ERROR(ReadKey(fields, "cert-path", true, &config.cert_path));
  KVS_RETURN_IF_ERROR(ReadKey(fields, "key-path", true, &config.key_path));
  KVS_RETURN_IF_ERROR(
      ReadKey(fields, "role-aliases", true, &config.role_alias));
  KVS_RETURN_IF_ERROR(ReadKey(fields, "ca-path", false, &config.ca_path));
  KVS_RETURN_IF_ERROR(
      ReadKey(fields, "iot-thing-name", false, &config.thing_name));
  if (config.thing_name.empty()) config.thing_name = Trim(stream_name);
  if (config.thing_name.empty()) {
    return Invalid(
        "key \"iot-thing-name\" is not set and there is no stream name to "
        "default to");
  }
  IotConfigExtras local;
  IotConfigExtras& out = extras != nullptr ? *extras : local;
  out = IotConfigExtras();
  config.timeout_ms = kDefaultIotCompletionTimeoutMs;
  KVS_RETURN_IF_ERROR(
      ReadTimeout(fields, "connection-timeout", &out.connect_timeout_ms));
  KVS_RETURN_IF_ERROR(
      ReadTimeout(fields, "completion-timeout", &config.timeout_ms));
  config.connect_timeout_ms = out.connect_timeout_ms;
  for (const auto& field : fields) {
    if (IsKnownKey(field.first)) continue;
    std::string known;
    for (const char* key : kKnownKeys) {
      known += known.empty() ? key : std::string(", ") + key;
    }
    out.warnings.push_back(std::string(kPrefix) + "unknown key \"" +
                           field.first + "\" ignored (known keys: " + known +
                           ")");
  }
  return config;
}

}  // namespace kvs
