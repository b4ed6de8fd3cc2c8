#include "kvscore/auth/environment.h"

#include <glib.h>

#include <cstdlib>
#include <memory>

namespace kvs {

EnvironmentFn ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

EnvironmentFn FixedEnvironment(std::map<std::string, std::string> variables) {
  auto vars = std::make_shared<const std::map<std::string, std::string>>(
      std::move(variables));
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars->find(name);
    if (it == vars->end()) return std::nullopt;
    return it->second;
  };
}

std::optional<std::string> GetEnv(const EnvironmentFn& env,
                                  const std::string& name) {
  if (!env) return std::nullopt;
  std::optional<std::string> value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

bool GetEnvBool(const EnvironmentFn& env, const std::string& name) {
  std::optional<std::string> value = GetEnv(env, name);
  return value &&
         (g_ascii_strcasecmp(value->c_str(), "true") == 0 || *value == "1");
}

std::string ExpandHome(const std::string& path, const EnvironmentFn& env) {
  if (path != "~" && path.rfind("~/", 0) != 0) return path;
  std::optional<std::string> home = GetEnv(env, "HOME");
  const std::string base = home ? *home : std::string(g_get_home_dir());
  return base + path.substr(1);
}

}  // namespace kvs
