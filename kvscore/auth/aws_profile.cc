#include "kvscore/auth/aws_profile.h"

#include <utility>

#include "kvscore/auth/local_file.h"

namespace kvs {
namespace {

constexpr size_t kMaxProfileFileBytes = 1024 * 1024;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsBlank(s.front()) || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Status LineError(int line, const char* reason) {
  return Status(StatusCode::kInvalidArgument,
                "line " + std::to_string(line) + ": " + reason);
}

// Reads one profile's section out of `path`, noting why when it cannot.
Status LoadSection(const std::string& path, bool config_file,
                   const std::string& profile, IniSection* section, bool* found,
                   std::string* note) {
  Result<std::string> text = ReadLocalFile(path, kMaxProfileFileBytes);
  if (!text.ok()) {
    *note = text.status().message();
    return Status::Ok();
  }
  Result<IniFile> ini = ParseIni(*text);
  if (!ini.ok()) {
    return Status(StatusCode::kCredentialsUnavailable,
                  path + ": " + ini.status().message());
  }
  for (auto& [name, values] : *ini) {
    const std::string profile_name =
        config_file ? ConfigSectionProfileName(name) : name;
    if (profile_name != profile) continue;
    *found = true;
    // "[default]" then "[profile default]": later keys win, as in the merge.
    for (auto& [key, value] : values) (*section)[key] = value;
  }
  if (!*found) *note = path + ": no profile \"" + profile + "\"";
  return Status::Ok();
}

}  // namespace

Result<IniFile> ParseIni(std::string_view text) {
  IniFile ini;
  IniSection* section = nullptr;
  std::string* last_value = nullptr;
  int line_number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    const std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (IsBlank(raw[0]) && last_value != nullptr) {
      *last_value += '\n';
      *last_value += line;
      continue;
    }
    if (line[0] == '[') {
      // As configparser's greedy "\[(?P<header>.+)\]": up to the last ']',
      // ignoring what follows (typically a comment).
      const size_t close = line.rfind(']');
      if (close == std::string_view::npos || close == 1) {
        return LineError(line_number, "empty or unterminated section header");
      }
      section = &ini[std::string(Trim(line.substr(1, close - 1)))];
      last_value = nullptr;
      continue;
    }
    const size_t delimiter = line.find_first_of("=:");
    if (delimiter == std::string_view::npos || delimiter == 0) {
      return LineError(line_number, "expected key = value");
    }
    if (section == nullptr) {
      return LineError(line_number, "key outside any [section]");
    }
    std::string& value = (*section)[Lower(Trim(line.substr(0, delimiter)))];
    value = std::string(Trim(line.substr(delimiter + 1)));
    last_value = &value;
  }
  return ini;
}

std::string ConfigSectionProfileName(std::string_view section) {
  section = Trim(section);
  if (section == "default") return "default";
  if (section.size() < 8 || section.substr(0, 7) != "profile" ||
      !IsBlank(section[7])) {
    return "";
  }
  std::string_view name = Trim(section.substr(8));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  return std::string(name);
}

ProfileLocation LocateProfile(const std::string& profile_property,
                              const EnvironmentFn& env) {
  ProfileLocation location;
  location.credentials_path = ExpandHome(
      GetEnv(env, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"),
      env);
  location.config_path =
      ExpandHome(GetEnv(env, "AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
  std::optional<std::string> env_profile = GetEnv(env, "AWS_PROFILE");
  if (!profile_property.empty()) {
    location.profile = profile_property;
    location.profile_explicit = true;
  } else if (env_profile) {
    location.profile = *env_profile;
    location.profile_explicit = true;
  } else {
    location.profile = "default";
  }
  return location;
}

std::string ProfileData::Get(const std::string& key) const {
  auto it = credentials_file.find(key);
  if (it != credentials_file.end()) return it->second;
  it = config_file.find(key);
  return it != config_file.end() ? it->second : std::string();
}

Result<ProfileData> LoadProfile(const ProfileLocation& location) {
  ProfileData data;
  KVS_RETURN_IF_ERROR(LoadSection(location.credentials_path, false,
                                  location.profile, &data.credentials_file,
                                  &data.in_credentials_file,
                                  &data.credentials_file_note));
  KVS_RETURN_IF_ERROR(LoadSection(location.config_path, true, location.profile,
                                  &data.config_file, &data.in_config_file,
                                  &data.config_file_note));
  return data;
}

std::string ProfileRegion(const std::string& profile_property,
                          const EnvironmentFn& env) {
  Result<ProfileData> data = LoadProfile(LocateProfile(profile_property, env));
  if (!data.ok()) return "";
  // The AWS CLI keeps region in the config file; botocore merges the
  // credentials file into the profile too, so both count, config first.
  auto it = data->config_file.find("region");
  if (it != data->config_file.end()) return it->second;
  it = data->credentials_file.find("region");
  return it != data->credentials_file.end() ? it->second : "";
}

}  // namespace kvs
