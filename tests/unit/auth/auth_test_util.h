// tests/unit/auth/auth_test_util.h: fakes and helpers shared by the
// kvscore/auth tests: a scripted HttpFetcher, a temporary folder, and a
// callback recorder for asynchronous providers.
#ifndef TESTS_UNIT_AUTH_AUTH_TEST_UTIL_H_
#define TESTS_UNIT_AUTH_AUTH_TEST_UTIL_H_

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kvscore/auth/credential_provider.h"
#include "kvscore/auth/http_fetcher.h"

namespace kvs_test {

// Answers requests from a script keyed by "METHOD URL". Each key holds a
// queue of answers; the last one repeats. A request nobody scripted gets
// kConnectFailed, as an unreachable host would. In deferred mode callbacks
// wait until RunPending(), to test callers that must not assume
// synchronous answers.
class FakeHttpFetcher final : public kvs::HttpFetcher {
 public:
  void Respond(const std::string& method, const std::string& url, int status,
               std::string body);
  void Fail(const std::string& method, const std::string& url,
            kvs::Status status);

  void set_deferred(bool deferred) { deferred_ = deferred; }
  // Runs the callbacks held in deferred mode, including ones queued while
  // running; returns how many ran.
  int RunPending();

  void Fetch(kvs::HttpFetchRequest request,
             kvs::HttpFetchCallback done) override;

  const std::vector<kvs::HttpFetchRequest>& requests() const {
    return requests_;
  }
  // The value of header `name` (case-sensitive) in request `index`.
  std::optional<std::string> Header(size_t index,
                                    const std::string& name) const;

 private:
  std::map<std::string, std::deque<kvs::Result<kvs::HttpFetchResponse>>>
      script_;
  std::vector<kvs::HttpFetchRequest> requests_;
  bool deferred_ = false;
  std::deque<
      std::pair<kvs::HttpFetchCallback, kvs::Result<kvs::HttpFetchResponse>>>
      pending_;
};

// A fresh folder under $TMPDIR, removed with its files on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `contents` to path()/`name` and returns the full path.
  std::string Write(const std::string& name, const std::string& contents);

 private:
  std::string path_;
};

// Records the answers of a provider's Fetch().
struct FetchRecorder {
  std::vector<kvs::Result<kvs::Credentials>> results;

  kvs::CredentialsCallback Callback() {
    return [this](kvs::Result<kvs::Credentials> r) {
      results.push_back(std::move(r));
    };
  }
  // The single answer so far; fails the test if there is not exactly one.
  const kvs::Result<kvs::Credentials>& Only() const;
};

// Fetches from `provider` and returns its answer, which must be
// synchronous (fails the test otherwise).
kvs::Result<kvs::Credentials> FetchNow(kvs::CredentialProvider& provider);

kvs::Credentials MakeCredentials(const std::string& key_id,
                                 const std::string& secret,
                                 const std::string& token = "",
                                 std::optional<int64_t> expiration_ns = {});

}  // namespace kvs_test

#endif  // TESTS_UNIT_AUTH_AUTH_TEST_UTIL_H_
