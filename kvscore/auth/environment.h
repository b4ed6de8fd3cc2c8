// kvscore/auth/environment.h: injectable access to environment variables.
//
// Credential providers and the region/endpoint resolvers read the process
// environment through an `EnvironmentFn`, so tests pass a fixed map instead
// of calling setenv (which is not thread-safe and leaks between tests).
//
// Conventions, as in the AWS SDKs: a variable set to the empty string counts
// as unset (GetEnv() returns nullopt for it).
#ifndef KVSCORE_AUTH_ENVIRONMENT_H_
#define KVSCORE_AUTH_ENVIRONMENT_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace kvs {

// Returns the value of variable `name`, or nullopt when it is unset. Must be
// thread-safe: providers call it on the network thread.
using EnvironmentFn =
    std::function<std::optional<std::string>(const std::string& name)>;

// The real process environment (getenv). Safe as long as nobody calls setenv
// concurrently, which GStreamer applications do not do after start-up.
EnvironmentFn ProcessEnvironment();

// A fixed environment, for tests.
EnvironmentFn FixedEnvironment(std::map<std::string, std::string> variables);

// `env(name)`, with the empty string treated as unset.
std::optional<std::string> GetEnv(const EnvironmentFn& env,
                                  const std::string& name);

// True when `name` is set to "true" (any case) or "1": the AWS SDKs' reading
// of boolean variables such as AWS_EC2_METADATA_DISABLED.
bool GetEnvBool(const EnvironmentFn& env, const std::string& name);

// Expands a leading "~/" (or a lone "~") to $HOME, else the user's home from
// the password database. Other paths are returned unchanged.
std::string ExpandHome(const std::string& path, const EnvironmentFn& env);

}  // namespace kvs

#endif  // KVSCORE_AUTH_ENVIRONMENT_H_
