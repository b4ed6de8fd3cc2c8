#include "tests/unit/auth/auth_test_util.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <cstdio>

namespace kvs_test {

void FakeHttpFetcher::Respond(const std::string& method, const std::string& url,
                              int status, std::string body) {
  kvs::HttpFetchResponse response;
  response.status = status;
  response.body = std::move(body);
  script_[method + " " + url].push_back(std::move(response));
}

void FakeHttpFetcher::Fail(const std::string& method, const std::string& url,
                           kvs::Status status) {
  script_[method + " " + url].push_back(std::move(status));
}

void FakeHttpFetcher::Fetch(kvs::HttpFetchRequest request,
                            kvs::HttpFetchCallback done) {
  const std::string key = request.method + " " + request.url;
  requests_.push_back(std::move(request));
  kvs::Result<kvs::HttpFetchResponse> answer = kvs::Status(
      kvs::StatusCode::kConnectFailed, "connect to " + key + " refused");
  auto it = script_.find(key);
  if (it != script_.end() && !it->second.empty()) {
    answer = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
  }
  if (deferred_) {
    pending_.emplace_back(std::move(done), std::move(answer));
  } else {
    done(std::move(answer));
  }
}

int FakeHttpFetcher::RunPending() {
  int ran = 0;
  while (!pending_.empty()) {
    auto [done, answer] = std::move(pending_.front());
    pending_.pop_front();
    done(std::move(answer));
    ++ran;
  }
  return ran;
}

std::optional<std::string> FakeHttpFetcher::Header(
    size_t index, const std::string& name) const {
  if (index >= requests_.size()) return std::nullopt;
  for (const auto& [key, value] : requests_[index].headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

TempDir::TempDir() {
  gchar* dir = g_dir_make_tmp("kvs-auth-test-XXXXXX", nullptr);
  if (dir == nullptr) {
    ADD_FAILURE() << "cannot make a temporary folder";
    return;
  }
  path_ = dir;
  g_free(dir);
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  GDir* dir = g_dir_open(path_.c_str(), 0, nullptr);
  if (dir != nullptr) {
    while (const gchar* name = g_dir_read_name(dir)) {
      g_remove((path_ + "/" + name).c_str());
    }
    g_dir_close(dir);
  }
  g_rmdir(path_.c_str());
}

std::string TempDir::Write(const std::string& name,
                           const std::string& contents) {
  const std::string path = path_ + "/" + name;
  if (!g_file_set_contents(path.c_str(), contents.data(),
                           static_cast<gssize>(contents.size()), nullptr)) {
    ADD_FAILURE() << "cannot write " << path;
  }
  return path;
}

const kvs::Result<kvs::Credentials>& FetchRecorder::Only() const {
  static const kvs::Result<kvs::Credentials> kNone =
      kvs::Status(kvs::StatusCode::kInternal, "no answer");
  EXPECT_EQ(results.size(), 1u);
  return results.size() == 1 ? results[0] : kNone;
}

kvs::Result<kvs::Credentials> FetchNow(kvs::CredentialProvider& provider) {
  FetchRecorder recorder;
  provider.Fetch(recorder.Callback());
  if (recorder.results.size() != 1) {
    ADD_FAILURE() << provider.name() << " answered " << recorder.results.size()
                  << " times synchronously";
    return kvs::Status(kvs::StatusCode::kInternal, "no synchronous answer");
  }
  return recorder.results[0];
}

kvs::Credentials MakeCredentials(const std::string& key_id,
                                 const std::string& secret,
                                 const std::string& token,
                                 std::optional<int64_t> expiration_ns) {
  kvs::Credentials c;
  c.access_key_id = key_id;
  c.secret_access_key = secret;
  c.session_token = token;
  c.expiration_ns = expiration_ns;
  return c;
}

}  // namespace kvs_test
