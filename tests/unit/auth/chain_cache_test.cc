// Tests of the chain, the caching decorator and the assembled default chain.
#include <gtest/gtest.h>

#include <deque>
#include <memory>

#include "kvscore/auth/caching_credential_provider.h"
#include "kvscore/auth/chain_credential_provider.h"
#include "kvscore/auth/default_credential_chain.h"
#include "kvscore/base/clock.h"
#include "tests/unit/auth/auth_test_util.h"

namespace kvs {
namespace {

using kvs_test::FakeHttpFetcher;
using kvs_test::FetchRecorder;
using kvs_test::MakeCredentials;
using kvs_test::TempDir;

constexpr int64_t kS = kNsPerSecond;
constexpr int64_t kMin = 60 * kS;
constexpr int64_t kNow = 1795262660 * kS;

// Answers from a queue (the last answer repeats); optionally holds its
// callbacks until Complete().
class ScriptedProvider final : public CredentialProvider {
 public:
  explicit ScriptedProvider(std::string name) : name_(std::move(name)) {}
  void Push(Result<Credentials> answer) { answers_.push_back(answer); }
  void set_deferred(bool deferred) { deferred_ = deferred; }
  void Fetch(CredentialsCallback done) override {
    ++fetches_;
    Result<Credentials> answer = answers_.front();
    if (answers_.size() > 1) answers_.pop_front();
    if (deferred_) {
      held_.push_back([done, answer] { done(answer); });
    } else {
      done(answer);
    }
  }
  std::string name() const override { return name_; }
  void Complete() {
    auto held = std::move(held_);
    held_.clear();
    for (auto& run : held) run();
  }
  int fetches() const { return fetches_; }

 private:
  std::string name_;
  std::deque<Result<Credentials>> answers_;
  bool deferred_ = false;
  std::vector<std::function<void()>> held_;
  int fetches_ = 0;
};

Status Unavailable(const std::string& m) {
  return Status(StatusCode::kCredentialsUnavailable, m);
}

TEST(ChainTest, FirstSuccessWinsAndLaterProvidersAreNotAsked) {
  auto a = std::make_shared<ScriptedProvider>("a");
  auto b = std::make_shared<ScriptedProvider>("b");
  auto c = std::make_shared<ScriptedProvider>("c");
  a->Push(Unavailable("a: nothing"));
  b->Push(MakeCredentials("B", "BS"));
  c->Push(MakeCredentials("C", "CS"));
  ChainCredentialProvider chain({a, b, c});
  FetchRecorder recorder;
  chain.Fetch(recorder.Callback());
  ASSERT_TRUE(recorder.Only().ok());
  EXPECT_EQ(recorder.Only()->access_key_id, "B");
  EXPECT_EQ(c->fetches(), 0);
  EXPECT_EQ(chain.provider_names(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ChainTest, OneErrorListsEveryProviderInOrder) {
  auto a = std::make_shared<ScriptedProvider>("a");
  auto b = std::make_shared<ScriptedProvider>("b");
  a->Push(Unavailable("a: not set"));
  b->Push(Unavailable("b: connect refused"));
  ChainCredentialProvider chain({a, b});
  FetchRecorder recorder;
  chain.Fetch(recorder.Callback());
  EXPECT_EQ(recorder.Only().status().code(),
            StatusCode::kCredentialsUnavailable);
  EXPECT_EQ(recorder.Only().status().message(),
            "no AWS credentials found; tried: a: not set; b: connect refused");
}

TEST(ChainTest, ExpiredIsReportedAsExpired) {
  auto a = std::make_shared<ScriptedProvider>("a");
  auto b = std::make_shared<ScriptedProvider>("b");
  a->Push(Status(StatusCode::kCredentialsExpired, "a: expired"));
  b->Push(Unavailable("b: not set"));
  ChainCredentialProvider chain({a, b});
  FetchRecorder recorder;
  chain.Fetch(recorder.Callback());
  EXPECT_EQ(recorder.Only().status().code(), StatusCode::kCredentialsExpired);
}

TEST(ChainTest, WaitsForAsynchronousProvidersOneAtATime) {
  auto a = std::make_shared<ScriptedProvider>("a");
  auto b = std::make_shared<ScriptedProvider>("b");
  a->Push(Unavailable("a: timeout"));
  a->set_deferred(true);
  b->Push(MakeCredentials("B", "BS"));
  FetchRecorder recorder;
  {
    ChainCredentialProvider chain({a, b});
    chain.Fetch(recorder.Callback());
  }  // The chain may go away while a fetch is in flight.
  EXPECT_EQ(b->fetches(), 0);
  EXPECT_TRUE(recorder.results.empty());
  a->Complete();
  ASSERT_TRUE(recorder.Only().ok());
}

TEST(ChainTest, EmptyChain) {
  ChainCredentialProvider chain({});
  FetchRecorder recorder;
  chain.Fetch(recorder.Callback());
  EXPECT_EQ(recorder.Only().status().message(),
            "no credential source is configured");
}

class CacheTest : public ::testing::Test {
 protected:
  std::shared_ptr<CachingCredentialProvider> Cache(
      CredentialCacheOptions options = {}) {
    return std::make_shared<CachingCredentialProvider>(inner_, clock_, options);
  }
  Result<Credentials> Fetch(CachingCredentialProvider& cache) {
    FetchRecorder recorder;
    cache.Fetch(recorder.Callback());
    return recorder.Only();
  }
  ManualClock clock_{kNow};
  std::shared_ptr<ScriptedProvider> inner_ =
      std::make_shared<ScriptedProvider>("inner");
};

TEST_F(CacheTest, ServesCachedUntilMarginBeforeExpiry) {
  inner_->Push(MakeCredentials("A1", "S", "T", kNow + 60 * kMin));
  inner_->Push(MakeCredentials("A2", "S", "T", kNow + 120 * kMin));
  auto cache = Cache();
  EXPECT_EQ(Fetch(*cache)->access_key_id, "A1");
  EXPECT_EQ(cache->expiration_ns(), kNow + 60 * kMin);
  EXPECT_EQ(cache->refresh_time_ns(), kNow + 55 * kMin);
  clock_.Advance(55 * kMin - 1);
  EXPECT_EQ(Fetch(*cache)->access_key_id, "A1");
  EXPECT_EQ(inner_->fetches(), 1);
  clock_.Advance(1);
  EXPECT_EQ(Fetch(*cache)->access_key_id, "A2");
  EXPECT_EQ(inner_->fetches(), 2);
  EXPECT_EQ(cache->refresh_time_ns(), kNow + 115 * kMin);
}

TEST_F(CacheTest, ShortLivedCredentialsRefreshAtHalfLife) {
  // 1-minute credentials with a 5-minute margin: refresh after 30 s, not on
  // every call.
  inner_->Push(MakeCredentials("A", "S", "T", kNow + kMin));
  auto cache = Cache();
  ASSERT_TRUE(Fetch(*cache).ok());
  EXPECT_EQ(cache->refresh_time_ns(), kNow + 30 * kS);
  ASSERT_TRUE(Fetch(*cache).ok());
  EXPECT_EQ(inner_->fetches(), 1);
}

TEST_F(CacheTest, NonExpiringCredentialsHonourMaxAge) {
  inner_->Push(MakeCredentials("A", "S"));
  auto forever = Cache();
  ASSERT_TRUE(Fetch(*forever).ok());
  clock_.Advance(1000 * kMin);
  ASSERT_TRUE(Fetch(*forever).ok());
  EXPECT_EQ(inner_->fetches(), 1);
  EXPECT_FALSE(forever->refresh_time_ns().has_value());
  EXPECT_FALSE(forever->expiration_ns().has_value());

  CredentialCacheOptions options;
  options.max_age_ns = 40 * kMin;
  auto aged = Cache(options);
  ASSERT_TRUE(Fetch(*aged).ok());
  EXPECT_EQ(aged->refresh_time_ns(), clock_.RealtimeNs() + 40 * kMin);
  clock_.Advance(40 * kMin);
  ASSERT_TRUE(Fetch(*aged).ok());
  EXPECT_EQ(inner_->fetches(), 3);
}

TEST_F(CacheTest, ConcurrentFetchesShareOneRefresh) {
  inner_->Push(MakeCredentials("A", "S", "T", kNow + 60 * kMin));
  inner_->set_deferred(true);
  auto cache = Cache();
  FetchRecorder first, second;
  cache->Fetch(first.Callback());
  cache->Fetch(second.Callback());
  EXPECT_EQ(inner_->fetches(), 1);
  EXPECT_TRUE(first.results.empty());
  inner_->Complete();
  ASSERT_TRUE(first.Only().ok());
  ASSERT_TRUE(second.Only().ok());
  // A hit now answers synchronously.
  FetchRecorder third;
  cache->Fetch(third.Callback());
  ASSERT_TRUE(third.Only().ok());
}

TEST_F(CacheTest, FailedRefreshServesValidCachedThenRetriesAfterPause) {
  inner_->Push(MakeCredentials("A1", "S", "T", kNow + 60 * kMin));
  inner_->Push(Unavailable("inner: down"));
  inner_->Push(MakeCredentials("A2", "S", "T", kNow + 120 * kMin));
  CredentialCacheOptions options;
  options.retry_interval_ns = 10 * kS;
  auto cache = Cache(options);
  ASSERT_TRUE(Fetch(*cache).ok());
  clock_.Advance(56 * kMin);  // Due, not expired.
  EXPECT_EQ(Fetch(*cache)->access_key_id, "A1");
  EXPECT_EQ(inner_->fetches(), 2);
  clock_.Advance(9 * kS);  // Within the pause: no new attempt.
  EXPECT_EQ(Fetch(*cache)->access_key_id, "A1");
  EXPECT_EQ(inner_->fetches(), 2);
  clock_.Advance(1 * kS);
  EXPECT_EQ(Fetch(*cache)->access_key_id, "A2");
  EXPECT_EQ(inner_->fetches(), 3);
}

TEST_F(CacheTest, ExpiredCachedCredentialsAreNeverServed) {
  inner_->Push(MakeCredentials("A1", "S", "T", kNow + 60 * kMin));
  inner_->Push(Unavailable("inner: down"));
  auto cache = Cache();
  ASSERT_TRUE(Fetch(*cache).ok());
  clock_.Advance(60 * kMin);
  Result<Credentials> result = Fetch(*cache);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "inner: down");
  EXPECT_FALSE(cache->expiration_ns().has_value());
}

TEST_F(CacheTest, InvalidateForcesARefetch) {
  inner_->Push(MakeCredentials("A1", "S"));
  inner_->Push(MakeCredentials("A2", "S"));
  auto cache = Cache();
  EXPECT_EQ(Fetch(*cache)->access_key_id, "A1");
  cache->Invalidate();
  EXPECT_EQ(Fetch(*cache)->access_key_id, "A2");
  EXPECT_EQ(cache->name(), "inner");
}

TEST_F(CacheTest, CacheMayDieWhileRefreshIsInFlight) {
  inner_->Push(MakeCredentials("A", "S"));
  inner_->set_deferred(true);
  FetchRecorder recorder;
  Cache()->Fetch(recorder.Callback());
  inner_->Complete();
  ASSERT_TRUE(recorder.Only().ok());
}

// Ten accelerated minutes with 1-minute credentials (issue 7 section 7):
// asked every second, the cache always serves unexpired credentials and
// refreshes about twice a minute.
TEST_F(CacheTest, TenMinutesOfOneMinuteCredentials) {
  int issued = 0;
  class Rotating final : public CredentialProvider {
   public:
    Rotating(const Clock& clock, int* issued)
        : clock_(clock), issued_(issued) {}
    void Fetch(CredentialsCallback done) override {
      ++*issued_;
      done(MakeCredentials("A" + std::to_string(*issued_), "S", "T",
                           clock_.RealtimeNs() + kMin));
    }
    std::string name() const override { return "rotating"; }

   private:
    const Clock& clock_;
    int* issued_;
  };
  CachingCredentialProvider cache(std::make_shared<Rotating>(clock_, &issued),
                                  clock_);
  for (int second = 0; second < 600; ++second) {
    Result<Credentials> result = Fetch(cache);
    ASSERT_TRUE(result.ok());
    EXPECT_FALSE(result->ExpiresWithin(clock_.RealtimeNs(), 0));
    ASSERT_TRUE(cache.refresh_time_ns().has_value());
    EXPECT_LT(*cache.refresh_time_ns(), *result->expiration_ns);
    clock_.Advance(kS);
  }
  EXPECT_EQ(issued, 20);
}

class DefaultChainTest : public ::testing::Test {
 protected:
  std::vector<std::string> Names(const CredentialSettings& settings,
                                 bool with_fetcher = true) {
    return BuildCredentialChain(settings, FixedEnvironment({}),
                                with_fetcher ? fetcher_ : nullptr, clock_)
        ->provider_names();
  }
  ManualClock clock_{kNow};
  std::shared_ptr<FakeHttpFetcher> fetcher_ =
      std::make_shared<FakeHttpFetcher>();
};

TEST_F(DefaultChainTest, SdkOrderWhenNothingExplicit) {
  EXPECT_EQ(Names({}),
            (std::vector<std::string>{"environment", "profile", "container",
                                      "instance-metadata"}));
  EXPECT_EQ(Names({}, false),
            (std::vector<std::string>{"environment", "profile"}));
}

TEST_F(DefaultChainTest, ExplicitSourcesOnlyInTheirOrder) {
  CredentialSettings all;
  all.access_key = "A";
  all.secret_key = "S";
  all.iot = IotCredentialConfig{};
  all.credential_path = "/f";
  all.profile = "p";
  EXPECT_EQ(Names(all),
            (std::vector<std::string>{"properties", "iot-certificate",
                                      "credential-file", "profile"}));
  CredentialSettings file_only;
  file_only.credential_path = "/f";
  EXPECT_EQ(Names(file_only), (std::vector<std::string>{"credential-file"}));
  CredentialSettings half_key;
  half_key.secret_key = "S";
  EXPECT_EQ(Names(half_key), (std::vector<std::string>{"properties"}));
}

TEST_F(DefaultChainTest, PropertiesBeatEnvironment) {
  CredentialSettings settings;
  settings.access_key = "PROP";
  settings.secret_key = "PS";
  auto provider = BuildDefaultCredentialProvider(
      settings,
      FixedEnvironment(
          {{"AWS_ACCESS_KEY_ID", "ENV"}, {"AWS_SECRET_ACCESS_KEY", "ES"}}),
      fetcher_, clock_);
  FetchRecorder recorder;
  provider->Fetch(recorder.Callback());
  EXPECT_EQ(recorder.Only()->access_key_id, "PROP");
}

TEST_F(DefaultChainTest, NothingAnywhereGivesOneErrorNamingAllFour) {
  TempDir dir;
  auto provider = BuildDefaultCredentialProvider(
      {}, FixedEnvironment({{"HOME", dir.path()}}), fetcher_, clock_);
  FetchRecorder recorder;
  provider->Fetch(recorder.Callback());
  const Status& status = recorder.Only().status();
  EXPECT_EQ(status.code(), StatusCode::kCredentialsUnavailable);
  const std::string& m = status.message();
  EXPECT_EQ(m.rfind("no AWS credentials found; tried: environment: ", 0), 0u);
  const size_t env = m.find("environment: AWS_ACCESS_KEY_ID");
  const size_t profile = m.find("; profile \"default\": ");
  const size_t container = m.find("; container: ");
  const size_t imds = m.find("; instance-metadata: PUT ");
  EXPECT_NE(imds, std::string::npos) << m;
  EXPECT_LT(env, profile);
  EXPECT_LT(profile, container);
  EXPECT_LT(container, imds);
}

TEST_F(DefaultChainTest, CacheOptionsReReadNonExpiringEvery40Minutes) {
  EXPECT_EQ(DefaultKvsCacheOptions().max_age_ns, 40 * kMin);
  EXPECT_EQ(DefaultKvsCacheOptions().refresh_margin_ns, 5 * kMin);
}

}  // namespace
}  // namespace kvs
