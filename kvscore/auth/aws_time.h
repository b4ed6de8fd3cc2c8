// kvscore/auth/aws_time.h: the time formats AWS authentication uses.
//
// Pure functions: they convert the time they are given and never read a
// clock. All times are UTC, in ns since the Unix epoch (the unit of
// `Clock::RealtimeNs()`, kvscore/base/clock.h); sub-second parts are
// truncated where the format has none.
//
// Formats:
//   - SigV4 `X-Amz-Date` (ISO 8601 basic): "20150830T123600Z"
//     (kvs-spec.md section 5; AWS General Reference, "Signature Version 4").
//   - SigV4 credential-scope date: "20150830".
//   - ISO 8601 extended, as in credential expirations: IoT
//     ("2019-01-31T23:00:59Z", kvs-spec.md A.3), container and IMDS
//     ("2019-01-31T23:00:59Z"), and upstream's credential file.
#ifndef KVSCORE_AUTH_AWS_TIME_H_
#define KVSCORE_AUTH_AWS_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "kvscore/base/status.h"

namespace kvs {

// "YYYYMMDDTHHMMSSZ" for `epoch_ns`, e.g. 1440938160 s -> "20150830T123600Z".
std::string FormatAmzDate(int64_t epoch_ns);

// "YYYYMMDD" for `epoch_ns`: the date part of the credential scope.
std::string FormatScopeDate(int64_t epoch_ns);

// "YYYY-MM-DDTHH:MM:SSZ" for `epoch_ns` (used in debug strings).
std::string FormatIso8601(int64_t epoch_ns);

// Parses an ISO 8601 date-time into ns since the epoch. Accepts the extended
// form "YYYY-MM-DDTHH:MM:SS" and the basic form "YYYYMMDDTHHMMSS", either
// with an optional fraction (".123", any number of digits, kept to the ns),
// then "Z", "+HH:MM", "-HH:MM", "+HHMM" or nothing (UTC). 't' and ' ' are
// accepted in place of 'T'. Errors: kInvalidArgument naming the input.
Result<int64_t> ParseIso8601(std::string_view text);

}  // namespace kvs

#endif  // KVSCORE_AUTH_AWS_TIME_H_
