#include "kvscore/auth/ca_bundle.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/unit/auth/auth_test_util.h"

namespace kvs {
namespace {

using kvs_test::TempDir;

TEST(ResolveCaPathTest, NothingConfiguredMeansSystemStore) {
  Result<ResolvedCaPath> ca = ResolveCaPath("", FixedEnvironment({}));
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_EQ(ca->path, "");
  EXPECT_EQ(ca->source, "system store");
  EXPECT_FALSE(ca->is_directory);
}

TEST(ResolveCaPathTest, PropertyWinsOverEnvironment) {
  TempDir dir;
  std::string file = dir.Write("ca.pem", "pem");
  std::string other = dir.Write("other.pem", "pem");
  Result<ResolvedCaPath> ca =
      ResolveCaPath(file, FixedEnvironment({{"KVSSINK_CA_CERT_PATH", other},
                                            {"AWS_CA_BUNDLE", other}}));
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_EQ(ca->path, file);
  EXPECT_EQ(ca->source, "ca-path property");
  EXPECT_FALSE(ca->is_directory);
}

TEST(ResolveCaPathTest, KvssinkVariableFileOrDirectory) {
  TempDir dir;
  std::string file = dir.Write("ca.pem", "pem");
  Result<ResolvedCaPath> ca =
      ResolveCaPath("", FixedEnvironment({{"KVSSINK_CA_CERT_PATH", file},
                                          {"AWS_CA_BUNDLE", "/nonexistent"}}));
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_EQ(ca->path, file);
  EXPECT_EQ(ca->source, "KVSSINK_CA_CERT_PATH");
  EXPECT_FALSE(ca->is_directory);

  ca = ResolveCaPath("",
                     FixedEnvironment({{"KVSSINK_CA_CERT_PATH", dir.path()}}));
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_EQ(ca->path, dir.path());
  EXPECT_TRUE(ca->is_directory);  // CURLOPT_CAPATH, as upstream.
}

TEST(ResolveCaPathTest, AwsCaBundleLast) {
  TempDir dir;
  std::string file = dir.Write("bundle.pem", "pem");
  Result<ResolvedCaPath> ca = ResolveCaPath(
      "", FixedEnvironment({{"KVSSINK_CA_CERT_PATH", ""},  // Empty = unset.
                            {"AWS_CA_BUNDLE", file}}));
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_EQ(ca->path, file);
  EXPECT_EQ(ca->source, "AWS_CA_BUNDLE");
}

TEST(ResolveCaPathTest, HomeIsExpanded) {
  TempDir dir;
  dir.Write("ca.pem", "pem");
  Result<ResolvedCaPath> ca =
      ResolveCaPath("~/ca.pem", FixedEnvironment({{"HOME", dir.path()}}));
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_EQ(ca->path, dir.path() + "/ca.pem");
}

TEST(ResolveCaPathTest, MissingPathIsAnErrorNamingItsSource) {
  struct Case {
    std::string property;
    std::map<std::string, std::string> env;
    std::string source;
  };
  const Case cases[] = {
      {"/nonexistent/ca.pem", {}, "ca-path property"},
      {"",
       {{"KVSSINK_CA_CERT_PATH", "/nonexistent/ca.pem"}},
       "KVSSINK_CA_CERT_PATH"},
      {"", {{"AWS_CA_BUNDLE", "/nonexistent/ca.pem"}}, "AWS_CA_BUNDLE"},
  };
  for (const Case& c : cases) {
    Result<ResolvedCaPath> ca =
        ResolveCaPath(c.property, FixedEnvironment(c.env));
    ASSERT_FALSE(ca.ok()) << c.source;
    EXPECT_EQ(ca.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(ca.status().message(),
              c.source + " /nonexistent/ca.pem: No such file or directory");
  }
}

TEST(RedactProxyUrlTest, HidesUserInformation) {
  EXPECT_EQ(RedactProxyUrl("http://user:s3cret@proxy:3128"),
            "http://***@proxy:3128");
  EXPECT_EQ(RedactProxyUrl("user:s3cret@proxy:3128"), "***@proxy:3128");
  EXPECT_EQ(RedactProxyUrl("http://proxy:3128"), "http://proxy:3128");
  EXPECT_EQ(RedactProxyUrl("http://proxy:3128/a@b"), "http://proxy:3128/a@b");
  EXPECT_EQ(RedactProxyUrl("socks5h://u:p@w:rd@10.0.0.1:1080"),
            "socks5h://***@10.0.0.1:1080");
}

TEST(ResolveProxyTest, PropertyWins) {
  Result<ResolvedProxy> proxy =
      ResolveProxy("http://user:pw@proxy.local:3128",
                   FixedEnvironment({{"HTTPS_PROXY", "http://other:8080"}}));
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  EXPECT_EQ(proxy->proxy, "http://user:pw@proxy.local:3128");
  EXPECT_EQ(proxy->source, "proxy property");
  EXPECT_EQ(proxy->display, "http://***@proxy.local:3128");
}

TEST(ResolveProxyTest, EnvironmentIsLeftToLibcurl) {
  Result<ResolvedProxy> proxy = ResolveProxy(
      "", FixedEnvironment({{"HTTPS_PROXY", "http://u:p@corp:8080"},
                            {"ALL_PROXY", "socks5://x:1"}}));
  ASSERT_TRUE(proxy.ok());
  EXPECT_EQ(proxy->proxy, "");  // libcurl reads it per request.
  EXPECT_EQ(proxy->source, "HTTPS_PROXY (environment, applied by libcurl)");
  EXPECT_EQ(proxy->display, "http://***@corp:8080");

  proxy = ResolveProxy(
      "", FixedEnvironment({{"https_proxy", "a:1"}, {"HTTPS_PROXY", "b:2"}}));
  EXPECT_EQ(proxy->source, "https_proxy (environment, applied by libcurl)");
  proxy = ResolveProxy("", FixedEnvironment({{"all_proxy", "c:3"}}));
  EXPECT_EQ(proxy->source, "all_proxy (environment, applied by libcurl)");
  // HTTP_PROXY does not apply to https URLs.
  proxy = ResolveProxy("", FixedEnvironment({{"HTTP_PROXY", "d:4"}}));
  EXPECT_EQ(proxy->source, "none");
  EXPECT_EQ(proxy->display, "");
}

TEST(ResolveProxyTest, RejectsBadProperties) {
  for (const char* bad : {"ftp://proxy:21", "http://proxy :3128",
                          "http://proxy:3128\n", "file:///etc/passwd"}) {
    Result<ResolvedProxy> proxy = ResolveProxy(bad, FixedEnvironment({}));
    ASSERT_FALSE(proxy.ok()) << bad;
    EXPECT_EQ(proxy.status().code(), StatusCode::kInvalidArgument);
  }
  Result<ResolvedProxy> proxy =
      ResolveProxy("ftp://user:pw@proxy:21", FixedEnvironment({}));
  ASSERT_FALSE(proxy.ok());
  EXPECT_EQ(proxy.status().message().find("pw"), std::string::npos)
      << proxy.status().message();
  for (const char* good : {"proxy:3128", "https://proxy", "SOCKS5H://p:1080",
                           "socks4a://p:1080"}) {
    EXPECT_TRUE(ResolveProxy(good, FixedEnvironment({})).ok()) << good;
  }
}

}  // namespace
}  // namespace kvs
