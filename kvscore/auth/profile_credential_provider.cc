#include "kvscore/auth/profile_credential_provider.h"

#include <utility>

#include "kvscore/auth/aws_profile.h"

namespace kvs {
namespace {

bool HasKeys(const IniSection& section) {
  auto id = section.find("aws_access_key_id");
  auto secret = section.find("aws_secret_access_key");
  return id != section.end() && !id->second.empty() &&
         secret != section.end() && !secret->second.empty();
}

Credentials FromSection(const IniSection& section) {
  Credentials credentials;
  credentials.access_key_id = section.at("aws_access_key_id");
  credentials.secret_access_key = section.at("aws_secret_access_key");
  auto token = section.find("aws_session_token");
  if (token != section.end()) credentials.session_token = token->second;
  return credentials;
}

// The first setting that names a credential source kvssink does not run.
std::string UnsupportedSource(const ProfileData& data) {
  for (const char* key : {"role_arn", "credential_process", "sso_session",
                          "sso_start_url", "web_identity_token_file"}) {
    if (!data.Get(key).empty()) return key;
  }
  return "";
}

}  // namespace

ProfileCredentialProvider::ProfileCredentialProvider(std::string profile,
                                                     EnvironmentFn env)
    : profile_(std::move(profile)), env_(std::move(env)) {}

void ProfileCredentialProvider::Fetch(CredentialsCallback done) {
  const ProfileLocation location = LocateProfile(profile_, env_);
  const std::string prefix = "profile \"" + location.profile + "\": ";
  Result<ProfileData> data = LoadProfile(location);
  if (!data.ok()) {
    done(Status(StatusCode::kCredentialsUnavailable,
                prefix + data.status().message()));
    return;
  }
  if (HasKeys(data->credentials_file)) {
    done(FromSection(data->credentials_file));
    return;
  }
  if (HasKeys(data->config_file)) {
    done(FromSection(data->config_file));
    return;
  }
  std::string why;
  if (!data->found()) {
    why = data->credentials_file_note + "; " + data->config_file_note;
  } else if (std::string source = UnsupportedSource(*data); !source.empty()) {
    why = "uses " + source +
          ", which kvssink does not support; export the credentials "
          "(aws configure export-credentials) or use another source";
  } else {
    why = "has no aws_access_key_id and aws_secret_access_key";
  }
  done(Status(StatusCode::kCredentialsUnavailable, prefix + why));
}

}  // namespace kvs
