// kvscore/auth/aws_profile.h: the AWS shared config and credentials files.
//
// Follows the AWS CLI's documentation ("Configuration and credential file
// settings") and botocore's reading of it (configparser.RawConfigParser):
//   - Files: $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials;
//     $AWS_CONFIG_FILE, else ~/.aws/config. A leading "~" is $HOME.
//   - Profile: an explicit name (the element's `profile` property), else
//     $AWS_PROFILE, else "default".
//   - Credentials file sections are bare profile names: "[dev]". Config file
//     sections are "[profile dev]" (any whitespace after "profile", optional
//     double quotes around the name) and "[default]"; "[profile default]"
//     also names the default profile. Other config sections ("[sso-session
//     x]", "[services x]") are not profiles.
//   - Lines: "[section]" (up to the last ']'; text after it, such as a
//     comment, is ignored), "key = value" or "key: value" (split at the first
//     '=' or ':'; key and value trimmed; keys case-insensitive, stored
//     lower-case), full-line comments starting with '#' or ';', blank lines.
//     An indented line continues the previous value (nested settings such as
//     "s3 =\n  max_concurrent_requests = 10"); its text is appended after a
//     '\n'. Values keep '#' and ';' (secrets may contain them).
//   - A section that appears twice is merged, later keys winning.
//
// Pure parsing functions plus LoadProfile(), which reads the two files
// (small local reads; see local_file.h). Thread-safe.
#ifndef KVSCORE_AUTH_AWS_PROFILE_H_
#define KVSCORE_AUTH_AWS_PROFILE_H_

#include <map>
#include <string>
#include <string_view>

#include "kvscore/auth/environment.h"
#include "kvscore/base/status.h"

namespace kvs {

using IniSection = std::map<std::string, std::string>;  // key -> value.
using IniFile = std::map<std::string, IniSection>;      // name -> section.

// Parses INI text. Errors (kInvalidArgument): "line N: <reason>" for a
// key outside any section, a line that is none of the forms above, or a
// section header that is empty or lacks ']'. Never quotes a value.
Result<IniFile> ParseIni(std::string_view text);

// The profile a config-file section name denotes: "default" for "default"
// and "profile default"; "dev" for "profile dev" and "profile \"dev\"";
// "" for sections that are not profiles.
std::string ConfigSectionProfileName(std::string_view section);

// Where the profile lives. `profile_property` empty means unset.
struct ProfileLocation {
  std::string credentials_path;   // Expanded.
  std::string config_path;        // Expanded.
  std::string profile;            // The selected profile's name.
  bool profile_explicit = false;  // Named by property or AWS_PROFILE.
};
ProfileLocation LocateProfile(const std::string& profile_property,
                              const EnvironmentFn& env);

// One profile's settings from both files.
struct ProfileData {
  IniSection credentials_file;  // The "[<profile>]" section, if any.
  IniSection config_file;       // The "[profile <profile>]" section, if any.
  bool in_credentials_file = false;
  bool in_config_file = false;
  // Why a file contributed nothing: "~/.aws/credentials: No such file or
  // directory". Empty when the file was read.
  std::string credentials_file_note;
  std::string config_file_note;

  bool found() const { return in_credentials_file || in_config_file; }
  // The value of `key` (lower-case): credentials file first, then config
  // file; "" when absent.
  std::string Get(const std::string& key) const;
};

// Reads both files. A missing or unreadable file is not an error (it is
// noted); a file that does not parse is (kCredentialsUnavailable,
// "<path>: line N: ...").
Result<ProfileData> LoadProfile(const ProfileLocation& location);

// The selected profile's `region`, or "" when none (also when a file is
// unreadable or does not parse: region lookup is best-effort).
std::string ProfileRegion(const std::string& profile_property,
                          const EnvironmentFn& env);

}  // namespace kvs

#endif  // KVSCORE_AUTH_AWS_PROFILE_H_
