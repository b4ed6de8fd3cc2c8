// Tests of the providers that need no network: static (properties),
// environment and upstream's credential file.
#include <gtest/gtest.h>

#include "kvscore/auth/credential_file_provider.h"
#include "kvscore/auth/environment_credential_provider.h"
#include "kvscore/auth/static_credential_provider.h"
#include "kvscore/base/clock.h"
#include "tests/unit/auth/auth_test_util.h"

namespace kvs {
namespace {

using kvs_test::FetchNow;
using kvs_test::MakeCredentials;
using kvs_test::TempDir;

constexpr int64_t kS = kNsPerSecond;
constexpr int64_t kNow = 1795262660 * kS;  // 2026-11-21T12:04:20Z.

TEST(StaticCredentialProviderTest, ReturnsWhatItWasGiven) {
  StaticCredentialProvider provider(MakeCredentials("AKID", "SECRET", "TOK"));
  Result<Credentials> result = FetchNow(provider);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, MakeCredentials("AKID", "SECRET", "TOK"));
  EXPECT_EQ(provider.name(), "properties");
}

TEST(StaticCredentialProviderTest, HalfAKeyIsUnavailable) {
  StaticCredentialProvider provider(MakeCredentials("AKID", ""));
  Result<Credentials> result = FetchNow(provider);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCredentialsUnavailable);
  EXPECT_EQ(result.status().message(),
            "properties: access-key and secret-key are not both set");
}

TEST(EnvironmentCredentialProviderTest, ReadsTheThreeVariables) {
  ManualClock clock(kNow);
  EnvironmentCredentialProvider provider(
      FixedEnvironment({{"AWS_ACCESS_KEY_ID", "AKID"},
                        {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                        {"AWS_SESSION_TOKEN", "TOK"}}),
      clock);
  Result<Credentials> result = FetchNow(provider);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, MakeCredentials("AKID", "SECRET", "TOK"));
}

TEST(EnvironmentCredentialProviderTest, TokenIsOptionalEmptyIsUnset) {
  ManualClock clock(kNow);
  EnvironmentCredentialProvider provider(
      FixedEnvironment({{"AWS_ACCESS_KEY_ID", "AKID"},
                        {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                        {"AWS_SESSION_TOKEN", ""}}),
      clock);
  Result<Credentials> result = FetchNow(provider);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->has_session_token());
  EXPECT_FALSE(result->expiration_ns.has_value());
}

TEST(EnvironmentCredentialProviderTest, NamesTheMissingVariables) {
  ManualClock clock(kNow);
  struct {
    std::map<std::string, std::string> vars;
    const char* message;
  } cases[] = {
      {{},
       "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not "
       "set"},
      {{{"AWS_ACCESS_KEY_ID", "A"}},
       "environment: AWS_SECRET_ACCESS_KEY is not set"},
      {{{"AWS_SECRET_ACCESS_KEY", "S"}, {"AWS_ACCESS_KEY_ID", ""}},
       "environment: AWS_ACCESS_KEY_ID is not set"},
  };
  for (const auto& c : cases) {
    EnvironmentCredentialProvider provider(FixedEnvironment(c.vars), clock);
    Result<Credentials> result = FetchNow(provider);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kCredentialsUnavailable);
    EXPECT_EQ(result.status().message(), c.message);
  }
}

TEST(EnvironmentCredentialProviderTest, HonoursCredentialExpiration) {
  ManualClock clock(kNow);
  auto env = [](const char* expiry) {
    return FixedEnvironment({{"AWS_ACCESS_KEY_ID", "A"},
                             {"AWS_SECRET_ACCESS_KEY", "S"},
                             {"AWS_CREDENTIAL_EXPIRATION", expiry}});
  };
  EnvironmentCredentialProvider fresh(env("2026-11-21T13:04:20Z"), clock);
  Result<Credentials> result = FetchNow(fresh);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->expiration_ns, kNow + 3600 * kS);

  EnvironmentCredentialProvider expired(env("2026-11-21T12:04:20Z"), clock);
  EXPECT_EQ(FetchNow(expired).status().code(), StatusCode::kCredentialsExpired);
  EnvironmentCredentialProvider garbage(env("tomorrow"), clock);
  EXPECT_EQ(FetchNow(garbage).status().code(),
            StatusCode::kCredentialsUnavailable);
}

TEST(ParseCredentialFileTest, ThreeFourAndFiveFieldForms) {
  Result<Credentials> three = ParseCredentialFile("CREDENTIALS AKID SECRET\n");
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(*three, MakeCredentials("AKID", "SECRET"));

  Result<Credentials> four =
      ParseCredentialFile("CREDENTIALS AKID 2026-11-21T13:04:20Z SECRET");
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(*four, MakeCredentials("AKID", "SECRET", "", kNow + 3600 * kS));

  Result<Credentials> five = ParseCredentialFile(
      "CREDENTIALS\tAKID\n2026-11-21T13:04:20Z  SECRET TOKEN/+=\n");
  ASSERT_TRUE(five.ok());
  EXPECT_EQ(*five,
            MakeCredentials("AKID", "SECRET", "TOKEN/+=", kNow + 3600 * kS));
}

TEST(ParseCredentialFileTest, RejectsMalformedWithoutQuotingSecrets) {
  for (const char* bad : {"", "credentials AKID SECRET", "CREDENTIALS AKID",
                          "CREDENTIALS AKID SECRETVALUE TOKEN1 EXTRA1 EXTRA2",
                          "CREDENTIALS AKID notadate SECRETVALUE TOKEN1"}) {
    Result<Credentials> result = ParseCredentialFile(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.status().code(), StatusCode::kCredentialsUnavailable);
    EXPECT_EQ(result.status().message().find("SECRETVALUE"), std::string::npos);
    EXPECT_EQ(result.status().message().find("TOKEN1"), std::string::npos);
  }
}

TEST(CredentialFileProviderTest, RereadsTheFileOnEveryFetch) {
  TempDir dir;
  ManualClock clock(kNow);
  const std::string path =
      dir.Write("creds", "CREDENTIALS A1 2026-11-21T13:04:20Z S1 T1\n");
  CredentialFileProvider provider(path, clock);
  Result<Credentials> first = FetchNow(provider);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->access_key_id, "A1");

  // An external process rotates the file.
  dir.Write("creds", "CREDENTIALS A2 2026-11-21T14:04:20Z S2 T2\n");
  clock.Advance(3000 * kS);
  Result<Credentials> second = FetchNow(provider);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, MakeCredentials("A2", "S2", "T2", kNow + 7200 * kS));
}

TEST(CredentialFileProviderTest, MissingFileAndExpiredCredentials) {
  TempDir dir;
  ManualClock clock(kNow);
  CredentialFileProvider missing(dir.path() + "/nope", clock);
  Result<Credentials> result = FetchNow(missing);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCredentialsUnavailable);
  EXPECT_EQ(result.status().message(), "credential-file: " + dir.path() +
                                           "/nope: No such file or directory");

  CredentialFileProvider expired(
      dir.Write("old", "CREDENTIALS A 2026-11-21T12:00:00Z S T"), clock);
  result = FetchNow(expired);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCredentialsExpired);
  EXPECT_NE(result.status().message().find("expired at 2026-11-21T12:00:00Z"),
            std::string::npos);

  CredentialFileProvider bad(dir.Write("bad", "KEYS A S"), clock);
  EXPECT_EQ(FetchNow(bad).status().message(),
            "credential-file: " + dir.path() +
                "/bad: does not start with CREDENTIALS");
}

TEST(CredentialFileProviderTest, RefusesHugeFiles) {
  TempDir dir;
  ManualClock clock(kNow);
  CredentialFileProvider provider(
      dir.Write("big",
                "CREDENTIALS A S " + std::string(kMaxCredentialFileBytes, 'x')),
      clock);
  Result<Credentials> result = FetchNow(provider);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("larger than"), std::string::npos);
}

}  // namespace
}  // namespace kvs
