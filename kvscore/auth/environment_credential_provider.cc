#include "kvscore/auth/environment_credential_provider.h"

#include <utility>

#include "kvscore/auth/aws_time.h"

namespace kvs {

EnvironmentCredentialProvider::EnvironmentCredentialProvider(EnvironmentFn env,
                                                             const Clock& clock)
    : env_(std::move(env)), clock_(clock) {}

void EnvironmentCredentialProvider::Fetch(CredentialsCallback done) {
  std::optional<std::string> key_id = GetEnv(env_, "AWS_ACCESS_KEY_ID");
  std::optional<std::string> secret = GetEnv(env_, "AWS_SECRET_ACCESS_KEY");
  if (!key_id || !secret) {
    std::string missing = !key_id && !secret ? "AWS_ACCESS_KEY_ID and "
                                               "AWS_SECRET_ACCESS_KEY are"
                          : !key_id          ? "AWS_ACCESS_KEY_ID is"
                                             : "AWS_SECRET_ACCESS_KEY is";
    done(Status(StatusCode::kCredentialsUnavailable,
                "environment: " + missing + " not set"));
    return;
  }
  Credentials credentials;
  credentials.access_key_id = std::move(*key_id);
  credentials.secret_access_key = std::move(*secret);
  credentials.session_token =
      GetEnv(env_, "AWS_SESSION_TOKEN").value_or(std::string());
  if (std::optional<std::string> expiry =
          GetEnv(env_, "AWS_CREDENTIAL_EXPIRATION")) {
    Result<int64_t> parsed = ParseIso8601(*expiry);
    if (!parsed.ok()) {
      done(Status(StatusCode::kCredentialsUnavailable,
                  "environment: AWS_CREDENTIAL_EXPIRATION: " +
                      parsed.status().message()));
      return;
    }
    if (*parsed <= clock_.RealtimeNs()) {
      done(Status(StatusCode::kCredentialsExpired,
                  "environment: AWS_CREDENTIAL_EXPIRATION " + *expiry +
                      " is in the past"));
      return;
    }
    credentials.expiration_ns = *parsed;
  }
  done(std::move(credentials));
}

}  // namespace kvs
