// Tests of the providers that fetch over HTTP (IoT certificate, container,
// EC2 IMDSv2) through a scripted FakeHttpFetcher and a ManualClock: no
// network, no sleeps.
#include <gtest/gtest.h>

#include <memory>

#include "kvscore/auth/container_credential_provider.h"
#include "kvscore/auth/credentials_json.h"
#include "kvscore/auth/imds_credential_provider.h"
#include "kvscore/auth/iot_credential_provider.h"
#include "kvscore/base/clock.h"
#include "tests/unit/auth/auth_test_util.h"

namespace kvs {
namespace {

using kvs_test::FakeHttpFetcher;
using kvs_test::FetchRecorder;
using kvs_test::MakeCredentials;
using kvs_test::TempDir;

constexpr int64_t kS = kNsPerSecond;
constexpr int64_t kNow = 1795262660 * kS;  // 2026-11-21T12:04:20Z.
constexpr char kIotUrl[] =
    "https://c1.credentials.iot.us-west-2.amazonaws.com/role-aliases/"
    "kvs-alias/credentials";
constexpr char kIotBody[] =
    R"({"credentials":{"accessKeyId":"ASIAIOT","secretAccessKey":"IOTSECRET",)"
    R"("sessionToken":"IOTTOKEN","expiration":"2026-11-21T13:04:20Z"}})";
constexpr char kContainerBody[] =
    R"({"AccessKeyId":"ASIACON","SecretAccessKey":"CONSECRET",)"
    R"("Token":"CONTOKEN","Expiration":"2026-11-21T13:04:20Z",)"
    R"("RoleArn":"arn:aws:iam::1:role/r"})";

void ExpectNoSecrets(const Status& status) {
  for (const char* secret : {"IOTSECRET", "IOTTOKEN", "CONSECRET", "CONTOKEN",
                             "IMDSTOKEN", "AUTHTOKEN"}) {
    EXPECT_EQ(status.message().find(secret), std::string::npos) << secret;
  }
}

class IotProviderTest : public ::testing::Test {
 protected:
  IotProviderTest() : clock_(kNow) {
    config_.endpoint = "c1.credentials.iot.us-west-2.amazonaws.com";
    config_.role_alias = "kvs-alias";
    config_.thing_name = "camera-1";
    config_.cert_path = "/certs/device.pem";
    config_.key_path = "/certs/device.key";
    config_.ca_path = "/certs/root-ca.pem";
  }
  std::unique_ptr<IotCredentialProvider> Provider() {
    return std::make_unique<IotCredentialProvider>(config_, fetcher_, clock_);
  }

  ManualClock clock_;
  IotCredentialConfig config_;
  std::shared_ptr<FakeHttpFetcher> fetcher_ =
      std::make_shared<FakeHttpFetcher>();
};

TEST_F(IotProviderTest, FetchesOverMutualTlsWithThingName) {
  fetcher_->Respond("GET", kIotUrl, 200, kIotBody);
  FetchRecorder recorder;
  Provider()->Fetch(recorder.Callback());
  ASSERT_TRUE(recorder.Only().ok()) << recorder.Only().status().ToString();
  EXPECT_EQ(*recorder.Only(), MakeCredentials("ASIAIOT", "IOTSECRET",
                                              "IOTTOKEN", kNow + 3600 * kS));
  ASSERT_EQ(fetcher_->requests().size(), 1u);
  const HttpFetchRequest& request = fetcher_->requests()[0];
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(fetcher_->Header(0, "x-amzn-iot-thingname"), "camera-1");
  EXPECT_EQ(request.client_cert_path, "/certs/device.pem");
  EXPECT_EQ(request.client_key_path, "/certs/device.key");
  EXPECT_EQ(request.ca_path, "/certs/root-ca.pem");
  EXPECT_FALSE(request.bypass_proxy);
  EXPECT_EQ(request.timeout_ms, 10000);
  EXPECT_EQ(request.connect_timeout_ms, 0);  // Not set: the whole timeout.
}

TEST_F(IotProviderTest, PassesBothTimeouts) {
  config_.timeout_ms = 5000;
  config_.connect_timeout_ms = 3000;
  fetcher_->Respond("GET", kIotUrl, 200, kIotBody);
  FetchRecorder recorder;
  Provider()->Fetch(recorder.Callback());
  ASSERT_TRUE(recorder.Only().ok()) << recorder.Only().status().ToString();
  ASSERT_EQ(fetcher_->requests().size(), 1u);
  EXPECT_EQ(fetcher_->requests()[0].timeout_ms, 5000);
  EXPECT_EQ(fetcher_->requests()[0].connect_timeout_ms, 3000);
}

TEST_F(IotProviderTest, AnswersLaterOnTheFetcherThreadAndOutlivesProvider) {
  fetcher_->Respond("GET", kIotUrl, 200, kIotBody);
  fetcher_->set_deferred(true);
  FetchRecorder recorder;
  Provider()->Fetch(recorder.Callback());  // The provider dies here.
  EXPECT_TRUE(recorder.results.empty());
  EXPECT_EQ(fetcher_->RunPending(), 1);
  ASSERT_TRUE(recorder.Only().ok());
}

TEST_F(IotProviderTest, UrlFormsAndAliasEncoding) {
  config_.endpoint = "https://127.0.0.1:8443/";
  config_.role_alias = "a b";
  EXPECT_EQ(IotCredentialProvider::CredentialsUrl(config_),
            "https://127.0.0.1:8443/role-aliases/a%20b/credentials");
}

TEST_F(IotProviderTest, WrongThingNameIs403WithHint) {
  fetcher_->Respond("GET", kIotUrl, 403,
                    R"({"message":"Invalid thing name passed"})");
  FetchRecorder recorder;
  Provider()->Fetch(recorder.Callback());
  const Status& status = recorder.Only().status();
  EXPECT_EQ(status.code(), StatusCode::kCredentialsUnavailable);
  EXPECT_EQ(status.http_status(), 403);
  EXPECT_EQ(
      status.message().rfind(std::string("iot-certificate: GET ") + kIotUrl +
                                 ": HTTP 403 \"Invalid thing name "
                                 "passed\"; check that iot-thing-name "
                                 "\"camera-1\"",
                             0),
      0u)
      << status.message();
}

TEST_F(IotProviderTest, TlsFailureKeepsCauseAndHints) {
  fetcher_->Fail("GET", kIotUrl,
                 Status(StatusCode::kTlsFailed, "certificate unknown"));
  FetchRecorder recorder;
  Provider()->Fetch(recorder.Callback());
  const std::string& message = recorder.Only().status().message();
  EXPECT_NE(message.find("tls-failed: certificate unknown"), std::string::npos);
  EXPECT_NE(message.find("check cert-path, key-path and ca-path"),
            std::string::npos);
}

TEST_F(IotProviderTest, MalformedAndExpiredAnswers) {
  struct {
    const char* body;
    StatusCode code;
    const char* message_end;
  } cases[] = {
      {"IOTSECRET not json", StatusCode::kCredentialsUnavailable,
       "credentials are not a JSON object"},
      {R"({"accessKeyId":"A"})", StatusCode::kCredentialsUnavailable,
       "no \"credentials\" object"},
      {R"({"credentials":{"accessKeyId":"A","sessionToken":"IOTTOKEN"}})",
       StatusCode::kCredentialsUnavailable, "no secretAccessKey"},
      {R"({"credentials":{"accessKeyId":"A","secretAccessKey":"IOTSECRET",)"
       R"("expiration":"soon"}})",
       StatusCode::kCredentialsUnavailable,
       "expiration: not an ISO 8601 date-time: \"soon\""},
      {R"({"credentials":{"accessKeyId":"A","secretAccessKey":"IOTSECRET",)"
       R"("expiration":"2026-11-21T12:00:00Z"}})",
       StatusCode::kCredentialsExpired,
       "credentials expired at 2026-11-21T12:00:00Z"},
  };
  for (const auto& c : cases) {
    auto fetcher = std::make_shared<FakeHttpFetcher>();
    fetcher->Respond("GET", kIotUrl, 200, c.body);
    IotCredentialProvider provider(config_, fetcher, clock_);
    FetchRecorder recorder;
    provider.Fetch(recorder.Callback());
    const Status& status = recorder.Only().status();
    EXPECT_EQ(status.code(), c.code) << c.body;
    const std::string end = c.message_end;
    ASSERT_GE(status.message().size(), end.size());
    EXPECT_EQ(status.message().substr(status.message().size() - end.size()),
              end);
    ExpectNoSecrets(status);
  }
}

TEST_F(IotProviderTest, MissingSettingFailsAtOnce) {
  config_.thing_name.clear();
  FetchRecorder recorder;
  Provider()->Fetch(recorder.Callback());
  EXPECT_EQ(recorder.Only().status().message(),
            "iot-certificate: iot-thing-name is not set");
  EXPECT_TRUE(fetcher_->requests().empty());
}

class ContainerProviderTest : public ::testing::Test {
 protected:
  Result<Credentials> Fetch(std::map<std::string, std::string> env) {
    ContainerCredentialProvider provider(FixedEnvironment(env), fetcher_,
                                         clock_);
    FetchRecorder recorder;
    provider.Fetch(recorder.Callback());
    return recorder.Only();
  }
  ManualClock clock_{kNow};
  std::shared_ptr<FakeHttpFetcher> fetcher_ =
      std::make_shared<FakeHttpFetcher>();
  TempDir dir_;
};

TEST_F(ContainerProviderTest, RelativeUriGoesToEcsAddress) {
  fetcher_->Respond("GET", "http://169.254.170.2/v2/credentials/abc", 200,
                    kContainerBody);
  Result<Credentials> result =
      Fetch({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
             {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/x"},
             {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AUTHTOKEN"}});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, MakeCredentials("ASIACON", "CONSECRET", "CONTOKEN",
                                     kNow + 3600 * kS));
  EXPECT_EQ(fetcher_->Header(0, "Authorization"), "AUTHTOKEN");
  EXPECT_TRUE(fetcher_->requests()[0].bypass_proxy);
  EXPECT_EQ(fetcher_->requests()[0].timeout_ms, 2000);
}

TEST_F(ContainerProviderTest, FullUriWithTokenFileRereadEachTime) {
  const std::string url = "http://127.0.0.1:8080/creds";
  fetcher_->Respond("GET", url, 200, kContainerBody);
  const std::string token_file = dir_.Write("token", "AUTHTOKEN-1\n");
  std::map<std::string, std::string> env = {
      {"AWS_CONTAINER_CREDENTIALS_FULL_URI", url},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored"}};
  ASSERT_TRUE(Fetch(env).ok());
  dir_.Write("token", "AUTHTOKEN-2");
  ASSERT_TRUE(Fetch(env).ok());
  EXPECT_EQ(fetcher_->Header(0, "Authorization"), "AUTHTOKEN-1");
  EXPECT_EQ(fetcher_->Header(1, "Authorization"), "AUTHTOKEN-2");
}

TEST_F(ContainerProviderTest, FullUriHostRules) {
  std::string why;
  for (const char* ok :
       {"http://127.0.0.1/x", "http://127.1.2.3:80/x", "http://localhost:9/",
        "http://[::1]:8080/x", "http://169.254.170.2/x",
        "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/x",
        "https://creds.example.com/x"}) {
    EXPECT_TRUE(ContainerCredentialProvider::IsAllowedFullUri(ok, &why)) << ok;
  }
  for (const char* bad :
       {"http://example.com/x", "http://10.0.0.1/x",
        "http://127.0.0.1.evil.com/x", "ftp://127.0.0.1/x", "not a url"}) {
    EXPECT_FALSE(ContainerCredentialProvider::IsAllowedFullUri(bad, &why))
        << bad;
  }
  Result<Credentials> result =
      Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/x"}});
  EXPECT_EQ(result.status().message(),
            "container: AWS_CONTAINER_CREDENTIALS_FULL_URI host example.com "
            "is not loopback or a container metadata address");
  EXPECT_TRUE(fetcher_->requests().empty());
}

TEST_F(ContainerProviderTest, UnsetBadTokenAndHttpErrors) {
  EXPECT_EQ(Fetch({}).status().message(),
            "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
            "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set");
  Result<Credentials> bad_token =
      Fetch({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c"},
             {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AUTH\nTOKEN"}});
  EXPECT_EQ(bad_token.status().message(),
            "container: the authorization token contains a line break");
  Result<Credentials> missing_file =
      Fetch({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c"},
             {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir_.path() + "/no"}});
  EXPECT_EQ(missing_file.status().code(), StatusCode::kCredentialsUnavailable);
  EXPECT_TRUE(fetcher_->requests().empty());

  fetcher_->Respond("GET", "http://169.254.170.2/c", 500,
                    R"({"code":"InternalError","message":"try later"})");
  Result<Credentials> server_error =
      Fetch({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "c"}});
  EXPECT_EQ(server_error.status().message(),
            "container: GET http://169.254.170.2/c: HTTP 500 \"try later\"");
  EXPECT_EQ(server_error.status().http_status(), 500);
}

class ImdsProviderTest : public ::testing::Test {
 protected:
  void ScriptInstance(const std::string& base) {
    fetcher_->Respond("PUT", base + "/latest/api/token", 200, "IMDSTOKEN");
    fetcher_->Respond("GET",
                      base + "/latest/meta-data/iam/security-credentials/", 200,
                      "kvs-role\n");
    fetcher_->Respond(
        "GET", base + "/latest/meta-data/iam/security-credentials/kvs-role",
        200,
        R"({"Code":"Success","LastUpdated":"2026-11-21T11:04:20Z",)"
        R"("Type":"AWS-HMAC","AccessKeyId":"ASIAEC2","SecretAccessKey":)"
        R"("EC2SECRET","Token":"EC2TOKEN","Expiration":"2026-11-21T18:04:20Z"})");
  }
  Result<Credentials> Fetch(std::map<std::string, std::string> env) {
    ImdsCredentialProvider provider(FixedEnvironment(env), fetcher_, clock_);
    FetchRecorder recorder;
    provider.Fetch(recorder.Callback());
    return recorder.Only();
  }
  ManualClock clock_{kNow};
  std::shared_ptr<FakeHttpFetcher> fetcher_ =
      std::make_shared<FakeHttpFetcher>();
};

TEST_F(ImdsProviderTest, TokenThenRoleThenCredentials) {
  ScriptInstance("http://169.254.169.254");
  Result<Credentials> result = Fetch({});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, MakeCredentials("ASIAEC2", "EC2SECRET", "EC2TOKEN",
                                     kNow + 6 * 3600 * kS));
  ASSERT_EQ(fetcher_->requests().size(), 3u);
  EXPECT_EQ(fetcher_->Header(0, "X-aws-ec2-metadata-token-ttl-seconds"),
            "21600");
  EXPECT_FALSE(fetcher_->Header(0, "X-aws-ec2-metadata-token"));
  EXPECT_EQ(fetcher_->Header(1, "X-aws-ec2-metadata-token"), "IMDSTOKEN");
  EXPECT_EQ(fetcher_->Header(2, "X-aws-ec2-metadata-token"), "IMDSTOKEN");
  for (const HttpFetchRequest& request : fetcher_->requests()) {
    EXPECT_EQ(request.timeout_ms, 1000);
    EXPECT_TRUE(request.bypass_proxy);
  }
}

TEST_F(ImdsProviderTest, DeferredAnswersChainOnTheFetcherThread) {
  ScriptInstance("http://169.254.169.254");
  fetcher_->set_deferred(true);
  FetchRecorder recorder;
  {
    ImdsCredentialProvider provider(FixedEnvironment({}), fetcher_, clock_);
    provider.Fetch(recorder.Callback());
  }
  EXPECT_TRUE(recorder.results.empty());
  EXPECT_EQ(fetcher_->RunPending(), 3);
  ASSERT_TRUE(recorder.Only().ok());
}

TEST_F(ImdsProviderTest, EndpointChoices) {
  EXPECT_EQ(ImdsCredentialProvider::Endpoint(FixedEnvironment({})),
            "http://169.254.169.254");
  EXPECT_EQ(ImdsCredentialProvider::Endpoint(FixedEnvironment(
                {{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv6"}})),
            "http://[fd00:ec2::254]");
  EXPECT_EQ(ImdsCredentialProvider::Endpoint(FixedEnvironment(
                {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/"},
                 {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}})),
            "http://127.0.0.1:9");
  ScriptInstance("http://127.0.0.1:9");
  EXPECT_TRUE(
      Fetch({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"}})
          .ok());
}

TEST_F(ImdsProviderTest, DisabledMakesNoRequest) {
  ScriptInstance("http://169.254.169.254");
  for (const char* value : {"true", "TRUE", "1"}) {
    Result<Credentials> result = Fetch({{"AWS_EC2_METADATA_DISABLED", value}});
    EXPECT_EQ(result.status().message(),
              "instance-metadata: disabled by AWS_EC2_METADATA_DISABLED");
  }
  EXPECT_TRUE(fetcher_->requests().empty());
  EXPECT_TRUE(Fetch({{"AWS_EC2_METADATA_DISABLED", "false"}}).ok());
}

TEST_F(ImdsProviderTest, OffEc2FailsAfterOneShortRequest) {
  Result<Credentials> result = Fetch({});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "instance-metadata: PUT http://169.254.169.254/latest/api/token: "
            "connect-failed: connect to PUT "
            "http://169.254.169.254/latest/api/token refused");
  EXPECT_EQ(fetcher_->requests().size(), 1u);
}

TEST_F(ImdsProviderTest, NoRoleAndFailedCode) {
  const std::string base = "http://169.254.169.254";
  fetcher_->Respond("PUT", base + "/latest/api/token", 200, "IMDSTOKEN");
  fetcher_->Respond("GET", base + "/latest/meta-data/iam/security-credentials/",
                    404, "");
  EXPECT_EQ(Fetch({}).status().message(),
            "instance-metadata: no IAM role is attached to this instance");

  auto fetcher = std::make_shared<FakeHttpFetcher>();
  fetcher_ = fetcher;
  ScriptInstance(base);
  fetcher_->Respond(
      "GET", base + "/latest/meta-data/iam/security-credentials/kvs-role", 200,
      R"({"Code":"AssumeRoleUnauthorizedAccess","AccessKeyId":"A"})");
  // The first scripted answer is still queued; skip it.
  ASSERT_TRUE(Fetch({}).ok());
  Result<Credentials> result = Fetch({});
  EXPECT_EQ(result.status().code(), StatusCode::kCredentialsUnavailable);
  EXPECT_NE(result.status().message().find(
                "credentials Code is AssumeRoleUnauthorizedAccess"),
            std::string::npos);
  ExpectNoSecrets(result.status());
}

TEST(CredentialsJsonTest, ErrorBodyMessageOnlyFromJsonStrings) {
  EXPECT_EQ(ErrorBodyMessage(R"({"message":"m"})"), "m");
  EXPECT_EQ(ErrorBodyMessage(R"({"Message":"M","code":"c"})"), "M");
  EXPECT_EQ(ErrorBodyMessage(R"({"message":5})"), "");
  EXPECT_EQ(ErrorBodyMessage("<html>secret</html>"), "");
  EXPECT_EQ(ErrorBodyMessage(R"(["message"])"), "");
  EXPECT_EQ(ErrorBodyMessage("{\"message\":\"" + std::string(300, 'x') + "\"}")
                .size(),
            200u);
}

}  // namespace
}  // namespace kvs
