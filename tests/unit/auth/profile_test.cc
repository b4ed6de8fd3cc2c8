// Tests of the shared config/credentials files: INI parsing, profile
// selection, the profile provider and region resolution.
#include <gtest/gtest.h>

#include "kvscore/auth/aws_profile.h"
#include "kvscore/auth/profile_credential_provider.h"
#include "kvscore/auth/region.h"
#include "tests/unit/auth/auth_test_util.h"

namespace kvs {
namespace {

using kvs_test::FetchNow;
using kvs_test::MakeCredentials;
using kvs_test::TempDir;

TEST(ParseIniTest, SectionsKeysCommentsAndContinuations) {
  Result<IniFile> ini = ParseIni(
      "# comment\n"
      "; another\n"
      "[default]\n"
      "AWS_Access_Key_Id = AKID\n"
      "aws_secret_access_key=abc/def+ghi#not-a-comment\n"
      "\n"
      "[profile dev]  ; trailing comment\n"
      "region: eu-west-1\n"
      "s3 =\n"
      "  max_concurrent_requests = 10\n"
      "  addressing_style = path\n"
      "aws_session_token = AQo==\r\n");
  ASSERT_TRUE(ini.ok()) << ini.status().ToString();
  EXPECT_EQ((*ini)["default"]["aws_access_key_id"], "AKID");
  EXPECT_EQ((*ini)["default"]["aws_secret_access_key"],
            "abc/def+ghi#not-a-comment");
  EXPECT_EQ((*ini)["profile dev"]["region"], "eu-west-1");
  EXPECT_EQ((*ini)["profile dev"]["s3"],
            "\nmax_concurrent_requests = 10\naddressing_style = path");
  EXPECT_EQ((*ini)["profile dev"]["aws_session_token"], "AQo==");
}

TEST(ParseIniTest, IndentedLinesContinueTheValueAsInConfigparser) {
  Result<IniFile> ini = ParseIni("[a]\nk = v\n  [b]\n");
  ASSERT_TRUE(ini.ok());
  EXPECT_EQ((*ini)["a"]["k"], "v\n[b]");
  EXPECT_EQ(ini->count("b"), 0u);
}

TEST(ParseIniTest, RepeatedSectionsMergeLaterWins) {
  Result<IniFile> ini = ParseIni("[a]\nk = 1\nx = 1\n[b]\n[a]\nk = 2\n");
  ASSERT_TRUE(ini.ok());
  EXPECT_EQ((*ini)["a"]["k"], "2");
  EXPECT_EQ((*ini)["a"]["x"], "1");
}

TEST(ParseIniTest, ErrorsNameTheLineNotTheValue) {
  struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"key = SECRETVALUE\n", "line 1: key outside any [section]"},
      {"[a]\nSECRETVALUE\n", "line 2: expected key = value"},
      {"[a\n", "line 1: empty or unterminated section header"},
      {"[]\n", "line 1: empty or unterminated section header"},
      {"[a]\n= SECRETVALUE\n", "line 2: expected key = value"},
  };
  for (const auto& c : cases) {
    Result<IniFile> ini = ParseIni(c.text);
    ASSERT_FALSE(ini.ok()) << c.text;
    EXPECT_EQ(ini.status().message(), c.message);
  }
}

TEST(ConfigSectionProfileNameTest, FollowsTheCli) {
  EXPECT_EQ(ConfigSectionProfileName("default"), "default");
  EXPECT_EQ(ConfigSectionProfileName("profile default"), "default");
  EXPECT_EQ(ConfigSectionProfileName("profile dev"), "dev");
  EXPECT_EQ(ConfigSectionProfileName("profile   \"my dev\""), "my dev");
  EXPECT_EQ(ConfigSectionProfileName("dev"), "");
  EXPECT_EQ(ConfigSectionProfileName("profiledev"), "");
  EXPECT_EQ(ConfigSectionProfileName("sso-session x"), "");
}

TEST(LocateProfileTest, PropertyThenAwsProfileThenDefault) {
  EnvironmentFn env = FixedEnvironment({{"HOME", "/home/u"}});
  ProfileLocation where = LocateProfile("", env);
  EXPECT_EQ(where.credentials_path, "/home/u/.aws/credentials");
  EXPECT_EQ(where.config_path, "/home/u/.aws/config");
  EXPECT_EQ(where.profile, "default");
  EXPECT_FALSE(where.profile_explicit);

  env = FixedEnvironment({{"HOME", "/h"},
                          {"AWS_PROFILE", "envprof"},
                          {"AWS_SHARED_CREDENTIALS_FILE", "~/c"},
                          {"AWS_CONFIG_FILE", "/etc/cfg"}});
  where = LocateProfile("", env);
  EXPECT_EQ(where.profile, "envprof");
  EXPECT_TRUE(where.profile_explicit);
  EXPECT_EQ(where.credentials_path, "/h/c");
  EXPECT_EQ(where.config_path, "/etc/cfg");
  EXPECT_EQ(LocateProfile("prop", env).profile, "prop");
}

class ProfileProviderTest : public ::testing::Test {
 protected:
  EnvironmentFn Env(std::map<std::string, std::string> extra = {}) {
    extra["HOME"] = dir_.path();
    extra["AWS_SHARED_CREDENTIALS_FILE"] = dir_.path() + "/credentials";
    extra["AWS_CONFIG_FILE"] = dir_.path() + "/config";
    return FixedEnvironment(extra);
  }
  TempDir dir_;
};

TEST_F(ProfileProviderTest, CredentialsFileBeatsConfigFile) {
  dir_.Write("credentials",
             "[default]\naws_access_key_id = C1\naws_secret_access_key = "
             "CS1\n[dev]\naws_access_key_id = C2\naws_secret_access_key = "
             "CS2\naws_session_token = CT2\n");
  dir_.Write("config",
             "[default]\naws_access_key_id = F1\naws_secret_access_key = "
             "FS1\n[profile ops]\naws_access_key_id = F3\n"
             "aws_secret_access_key = FS3\n");
  ProfileCredentialProvider by_default("", Env());
  EXPECT_EQ(*FetchNow(by_default), MakeCredentials("C1", "CS1"));
  ProfileCredentialProvider by_env("", Env({{"AWS_PROFILE", "dev"}}));
  EXPECT_EQ(*FetchNow(by_env), MakeCredentials("C2", "CS2", "CT2"));
  ProfileCredentialProvider by_property("ops", Env({{"AWS_PROFILE", "dev"}}));
  EXPECT_EQ(*FetchNow(by_property), MakeCredentials("F3", "FS3"));
}

TEST_F(ProfileProviderTest, ExplainsWhyNothingWasFound) {
  ProfileCredentialProvider provider("", Env());
  Result<Credentials> result = FetchNow(provider);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCredentialsUnavailable);
  EXPECT_EQ(result.status().message(),
            "profile \"default\": " + dir_.path() +
                "/credentials: No such file or directory; " + dir_.path() +
                "/config: No such file or directory");

  dir_.Write("credentials", "[other]\naws_access_key_id = A\n");
  dir_.Write("config",
             "[profile dev]\nrole_arn = arn:aws:iam::1:role/x\n"
             "[profile bare]\nregion = eu-west-1\n");
  ProfileCredentialProvider absent("", Env());
  EXPECT_EQ(FetchNow(absent).status().message(),
            "profile \"default\": " + dir_.path() +
                "/credentials: no profile \"default\"; " + dir_.path() +
                "/config: no profile \"default\"");
  ProfileCredentialProvider role("dev", Env());
  EXPECT_NE(FetchNow(role).status().message().find(
                "profile \"dev\": uses role_arn, which kvssink does not "
                "support"),
            std::string::npos);
  ProfileCredentialProvider bare("bare", Env());
  EXPECT_EQ(FetchNow(bare).status().message(),
            "profile \"bare\": has no aws_access_key_id and "
            "aws_secret_access_key");
}

TEST_F(ProfileProviderTest, ParseErrorNamesFileAndLine) {
  dir_.Write("credentials", "[default]\naws_access_key_id\n");
  ProfileCredentialProvider provider("", Env());
  EXPECT_EQ(FetchNow(provider).status().message(),
            "profile \"default\": " + dir_.path() +
                "/credentials: line 2: expected key = value");
}

TEST_F(ProfileProviderTest, RegionOrder) {
  dir_.Write("config",
             "[default]\nregion = eu-west-1\n"
             "[profile dev]\nregion = ap-south-1\n");
  EXPECT_EQ(ResolveRegion("us-east-2", "", Env({{"AWS_REGION", "x"}})).region,
            "us-east-2");
  ResolvedRegion r = ResolveRegion("", "",
                                   Env({{"AWS_REGION", "ca-central-1"},
                                        {"AWS_DEFAULT_REGION", "sa-east-1"}}));
  EXPECT_EQ(r.region, "ca-central-1");
  EXPECT_EQ(r.source, "AWS_REGION");
  r = ResolveRegion("", "", Env({{"AWS_DEFAULT_REGION", "sa-east-1"}}));
  EXPECT_EQ(r.region, "sa-east-1");
  EXPECT_EQ(r.source, "AWS_DEFAULT_REGION");
  r = ResolveRegion("", "", Env());
  EXPECT_EQ(r.region, "eu-west-1");
  EXPECT_EQ(r.source, "profile \"default\"");
  EXPECT_EQ(ResolveRegion("", "", Env({{"AWS_PROFILE", "dev"}})).region,
            "ap-south-1");
  EXPECT_EQ(ResolveRegion("", "dev", Env()).region, "ap-south-1");
  r = ResolveRegion("", "nosuch", Env());
  EXPECT_EQ(r.region, "us-west-2");
  EXPECT_EQ(r.source, "default");
}

TEST_F(ProfileProviderTest, RegionFallsBackToCredentialsFile) {
  dir_.Write("credentials", "[default]\nregion = me-south-1\n");
  EXPECT_EQ(ResolveRegion("", "", Env()).region, "me-south-1");
}

}  // namespace
}  // namespace kvs
