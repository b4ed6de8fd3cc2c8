#include "kvscore/auth/clock_skew.h"

#include <json-glib/json-glib.h>
#include <strings.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kvscore/auth/aws_time.h"
#include "kvscore/base/log.h"

namespace kvs {
namespace {

constexpr const char* kSkewErrorTypes[] = {
    "AuthFailure",        "InvalidSignatureException", "RequestExpired",
    "RequestInTheFuture", "RequestTimeTooSkewed",      "SignatureDoesNotMatch",
};

// Error bodies are small; anything larger is not worth parsing here.
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;

int MonthFromName(const char* name) {
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (strcmp(name, kMonths[i]) == 0) return i + 1;
  }
  return 0;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// Splits the three HTTP date forms into fields; false when none matches the
// whole of `s`.
bool ScanHttpDate(const std::string& s, int* year, char month[4], int* day,
                  int* hour, int* minute, int* second) {
  const int len = static_cast<int>(s.size());
  char weekday[16];
  int n = -1;
  if (std::sscanf(s.c_str(),
                  "%15[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", weekday,
                  day, month, year, hour, minute, second, &n) == 7 &&
      n == len) {
    return true;
  }
  n = -1;
  if (std::sscanf(s.c_str(),
                  "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", weekday,
                  day, month, year, hour, minute, second, &n) == 7 &&
      n == len) {
    *year += *year >= 70 ? 1900 : 2000;
    return true;
  }
  n = -1;
  return std::sscanf(s.c_str(), "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n",
                     weekday, month, day, hour, minute, second, year,
                     &n) == 7 &&
         n == len;
}

// "RequestExpired:http://internal..." or "ns#RequestExpired" ->
// "RequestExpired".
std::string_view BareErrorType(std::string_view type) {
  size_t hash = type.rfind('#');
  if (hash != std::string_view::npos) type.remove_prefix(hash + 1);
  size_t colon = type.find(':');
  if (colon != std::string_view::npos) type = type.substr(0, colon);
  return type;
}

const std::string* FindHeader(
    const std::vector<std::pair<std::string, std::string>>& headers,
    const char* name) {
  for (const auto& header : headers) {
    if (strcasecmp(header.first.c_str(), name) == 0) return &header.second;
  }
  return nullptr;
}

// The error type from a JSON ("__type", "code", "Code") or XML (<Code>)
// error body; "" when none.
std::string ErrorTypeFromBody(std::string_view body) {
  if (body.empty() || body.size() > kMaxErrorBodyBytes) return "";
  std::string result;
  JsonParser* parser = json_parser_new();
  if (json_parser_load_from_data(parser, body.data(),
                                 static_cast<gssize>(body.size()), nullptr)) {
    JsonNode* root = json_parser_get_root(parser);
    if (root != nullptr && JSON_NODE_HOLDS_OBJECT(root)) {
      JsonObject* object = json_node_get_object(root);
      for (const char* member : {"__type", "code", "Code"}) {
        JsonNode* node = json_object_get_member(object, member);
        if (node != nullptr && JSON_NODE_HOLDS_VALUE(node) &&
            json_node_get_value_type(node) == G_TYPE_STRING) {
          result = json_node_get_string(node);
          break;
        }
      }
    }
  }
  g_object_unref(parser);
  if (!result.empty()) return result;
  size_t open = body.find("<Code>");
  if (open == std::string_view::npos) return "";
  open += 6;
  size_t close = body.find("</Code>", open);
  if (close == std::string_view::npos || close - open > 100) return "";
  return std::string(body.substr(open, close - open));
}

std::string ErrorType(
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view body) {
  if (const std::string* type = FindHeader(headers, "x-amzn-ErrorType")) {
    return *type;
  }
  return ErrorTypeFromBody(body);
}

}  // namespace

const char* ServerTimeSourceName(ServerTimeSource source) {
  switch (source) {
    case ServerTimeSource::kSignatureMessage:
      return "signature message";
    case ServerTimeSource::kDateHeader:
      return "Date header";
  }
  return "?";
}

Result<int64_t> ParseHttpDate(std::string_view text) {
  const std::string s = Trimmed(text);
  int year = 0, day = 0, hour = 0, minute = 0, second = 0;
  char month_name[4] = {0};
  Status invalid(StatusCode::kInvalidArgument,
                 "not an HTTP date: \"" + s.substr(0, 64) + "\"");
  if (!ScanHttpDate(s, &year, month_name, &day, &hour, &minute, &second)) {
    return invalid;
  }
  const int month = MonthFromName(month_name);
  if (month == 0 || year < 1970 || year > 9999 || second > 60) return invalid;
  char iso[32];
  std::snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month,
                day, hour, minute, second);
  Result<int64_t> parsed = ParseIso8601(iso);
  if (!parsed.ok()) return invalid;
  return parsed;
}

std::optional<int64_t> ServerTimeFromSignatureMessage(std::string_view text) {
  for (std::string_view marker :
       {"Signature expired:", "Signature not yet current:"}) {
    size_t pos = text.find(marker);
    if (pos == std::string_view::npos) continue;
    // "(YYYYMMDDTHHMMSSZ - 15 min.)" follows the two timestamps.
    size_t open = text.find('(', pos);
    if (open == std::string_view::npos || open - pos > 160) continue;
    std::string_view stamp = text.substr(open + 1, 16);
    std::string_view after = text.substr(open + 1 + stamp.size());
    if (stamp.size() != 16 || stamp[8] != 'T' || stamp[15] != 'Z' ||
        after.size() < 3 || after[0] != ' ' ||
        (after[1] != '-' && after[1] != '+')) {
      continue;
    }
    Result<int64_t> parsed = ParseIso8601(stamp);
    if (parsed.ok()) return *parsed;
  }
  return std::nullopt;
}

bool IsClockSkewErrorType(std::string_view error_type) {
  std::string_view bare = BareErrorType(error_type);
  for (const char* type : kSkewErrorTypes) {
    if (bare == type) return true;
  }
  return false;
}

std::optional<ServerTime> ServerTimeFromReply(
    int http_status,
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view body) {
  if (http_status != 400 && http_status != 401 && http_status != 403) {
    return std::nullopt;
  }
  if (std::optional<int64_t> t = ServerTimeFromSignatureMessage(body)) {
    return ServerTime{*t, ServerTimeSource::kSignatureMessage};
  }
  if (http_status == 400 && !IsClockSkewErrorType(ErrorType(headers, body))) {
    return std::nullopt;
  }
  const std::string* date = FindHeader(headers, "Date");
  if (date == nullptr) return std::nullopt;
  Result<int64_t> parsed = ParseHttpDate(*date);
  if (!parsed.ok()) return std::nullopt;
  return ServerTime{*parsed, ServerTimeSource::kDateHeader};
}

SkewCorrectedClock::SkewCorrectedClock(const Clock& base, int64_t threshold_ns)
    : base_(base), threshold_ns_(threshold_ns > 0 ? threshold_ns : 1) {}

int64_t SkewCorrectedClock::RealtimeNs() const {
  return base_.RealtimeNs() + offset_ns_.load();
}

int64_t SkewCorrectedClock::MonotonicNs() const { return base_.MonotonicNs(); }

bool SkewCorrectedClock::IsSkewed(int64_t a_ns, int64_t b_ns) const {
  const int64_t diff = a_ns - b_ns;
  return diff > threshold_ns_ || diff < -threshold_ns_;
}

bool SkewCorrectedClock::CorrectTo(const ServerTime& server) {
  // A CAS loop so that replies racing on several threads correct (and log)
  // once.
  int64_t current = offset_ns_.load();
  while (true) {
    const int64_t base_now = base_.RealtimeNs();
    if (!IsSkewed(server.epoch_ns, base_now + current)) return false;
    const int64_t corrected = server.epoch_ns - base_now;
    if (offset_ns_.compare_exchange_weak(current, corrected)) {
      const long long seconds = std::llabs(corrected / kNsPerSecond);
      if (!IsSkewed(corrected, 0)) {
        KVS_LOG_INFO(
            "clock skew: the local clock agrees with the service's time "
            "again (from the reply's %s); correction removed",
            ServerTimeSourceName(server.source));
        return true;
      }
      KVS_LOG_WARNING(
          "clock skew: the local clock is %lld s %s the service's time (from "
          "the reply's %s); signing with the corrected time from now on. "
          "Synchronise the device clock (NTP).",
          seconds, corrected > 0 ? "behind" : "ahead of",
          ServerTimeSourceName(server.source));
      return true;
    }
  }
}

}  // namespace kvs
