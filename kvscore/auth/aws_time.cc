#include "kvscore/auth/aws_time.h"

#include <cstdio>
#include <optional>

#include "kvscore/base/clock.h"

namespace kvs {
namespace {

struct CivilTime {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour, minute, second;
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant,
// "chrono-Compatible Low-Level Date Algorithms", days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilTime CivilFromEpochNs(int64_t epoch_ns) {
  int64_t secs = epoch_ns / kNsPerSecond;
  if (epoch_ns % kNsPerSecond < 0) --secs;  // Floor, for times before 1970.
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // civil_from_days, same source.
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  CivilTime t;
  t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = yoe + era * 400 + (t.month <= 2);
  t.hour = static_cast<int>(rem / 3600);
  t.minute = static_cast<int>(rem / 60 % 60);
  t.second = static_cast<int>(rem % 60);
  return t;
}

// Reads exactly `n` digits at `*pos`.
bool ReadDigits(std::string_view s, size_t* pos, size_t n, int64_t* out) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Consume(std::string_view s, size_t* pos, char c) {
  if (*pos < s.size() && s[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

// Parses "Z", "+HH:MM", "-HH:MM", "+HHMM" or nothing into seconds east of
// UTC.
bool ReadZone(std::string_view s, size_t* pos, int64_t* offset_s) {
  *offset_s = 0;
  if (*pos == s.size() || Consume(s, pos, 'Z') || Consume(s, pos, 'z')) {
    return *pos == s.size();
  }
  const char sign = s[*pos];
  if (sign != '+' && sign != '-') return false;
  ++*pos;
  int64_t hh = 0, mm = 0;
  if (!ReadDigits(s, pos, 2, &hh)) return false;
  if (*pos < s.size()) {
    Consume(s, pos, ':');
    if (!ReadDigits(s, pos, 2, &mm)) return false;
  }
  if (hh > 23 || mm > 59 || *pos != s.size()) return false;
  *offset_s = (hh * 3600 + mm * 60) * (sign == '-' ? -1 : 1);
  return true;
}

std::optional<int64_t> ParseIso8601Impl(std::string_view s) {
  size_t pos = 0;
  int64_t year, month, day, hour, minute, second;
  if (!ReadDigits(s, &pos, 4, &year)) return std::nullopt;
  const bool extended = Consume(s, &pos, '-');
  if (!ReadDigits(s, &pos, 2, &month)) return std::nullopt;
  if (extended && !Consume(s, &pos, '-')) return std::nullopt;
  if (!ReadDigits(s, &pos, 2, &day)) return std::nullopt;
  if (!Consume(s, &pos, 'T') && !Consume(s, &pos, 't') &&
      !Consume(s, &pos, ' ')) {
    return std::nullopt;
  }
  if (!ReadDigits(s, &pos, 2, &hour)) return std::nullopt;
  if (extended && !Consume(s, &pos, ':')) return std::nullopt;
  if (!ReadDigits(s, &pos, 2, &minute)) return std::nullopt;
  if (extended && !Consume(s, &pos, ':')) return std::nullopt;
  if (!ReadDigits(s, &pos, 2, &second)) return std::nullopt;
  int64_t frac_ns = 0;
  if (Consume(s, &pos, '.') || Consume(s, &pos, ',')) {
    int64_t scale = kNsPerSecond / 10;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (!ReadZone(s, &pos, &offset_s)) return std::nullopt;
  // Second 60 is a leap second; POSIX time folds it into the next minute.
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  const int64_t days =
      DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day));
  const int64_t secs =
      days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  return secs * kNsPerSecond + frac_ns;
}

}  // namespace

std::string FormatAmzDate(int64_t epoch_ns) {
  const CivilTime t = CivilFromEpochNs(epoch_ns);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld%02d%02dT%02d%02d%02dZ",
                static_cast<long long>(t.year), t.month, t.day, t.hour,
                t.minute, t.second);
  return buf;
}

std::string FormatScopeDate(int64_t epoch_ns) {
  return FormatAmzDate(epoch_ns).substr(0, 8);
}

std::string FormatIso8601(int64_t epoch_ns) {
  const CivilTime t = CivilFromEpochNs(epoch_ns);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                static_cast<long long>(t.year), t.month, t.day, t.hour,
                t.minute, t.second);
  return buf;
}

Result<int64_t> ParseIso8601(std::string_view text) {
  std::optional<int64_t> parsed = ParseIso8601Impl(text);
  if (parsed) return *parsed;
  return Status(
      StatusCode::kInvalidArgument,
      "not an ISO 8601 date-time: \"" + std::string(text.substr(0, 64)) + "\"");
}

}  // namespace kvs
