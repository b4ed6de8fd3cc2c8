#include "kvscore/auth/iot_config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace kvs {
namespace {

using Fields = std::map<std::string, std::string>;

// The seed guide's example, in upstream's key spelling.
Fields Upstream() {
  return {{"endpoint", "c1a2b3.credentials.iot.us-west-2.amazonaws.com"},
          {"cert-path", "/certs/device.pem.crt"},
          {"key-path", "/certs/private.pem.key"},
          {"ca-path", "/certs/AmazonRootCA1.pem"},
          {"role-aliases", "KvsCameraIoTRoleAlias"}};
}

TEST(IotConfigTest, UpstreamKeysWithDefaults) {
  IotConfigExtras extras;
  Result<IotCredentialConfig> config =
      IotConfigFromFields(Upstream(), "camera-1", &extras);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->endpoint, "c1a2b3.credentials.iot.us-west-2.amazonaws.com");
  EXPECT_EQ(config->cert_path, "/certs/device.pem.crt");
  EXPECT_EQ(config->key_path, "/certs/private.pem.key");
  EXPECT_EQ(config->ca_path, "/certs/AmazonRootCA1.pem");
  EXPECT_EQ(config->role_alias, "KvsCameraIoTRoleAlias");
  EXPECT_EQ(config->thing_name, "camera-1");   // Defaults to the stream name.
  EXPECT_EQ(config->timeout_ms, 5000);         // Upstream's 5 s.
  EXPECT_EQ(extras.connect_timeout_ms, 3000);  // Upstream's 3 s.
  EXPECT_EQ(config->connect_timeout_ms, 3000);
  EXPECT_TRUE(extras.warnings.empty());
  EXPECT_EQ(IotCredentialProvider::CredentialsUrl(*config),
            "https://c1a2b3.credentials.iot.us-west-2.amazonaws.com/"
            "role-aliases/KvsCameraIoTRoleAlias/credentials");
}

TEST(IotConfigTest, ExplicitThingNameAndTimeouts) {
  Fields fields = Upstream();
  fields["iot-thing-name"] = " thing-7 ";
  fields["connection-timeout"] = "10";
  fields["completion-timeout"] = "30";
  IotConfigExtras extras;
  Result<IotCredentialConfig> config =
      IotConfigFromFields(fields, "camera-1", &extras);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->thing_name, "thing-7");
  EXPECT_EQ(config->timeout_ms, 30000);
  EXPECT_EQ(extras.connect_timeout_ms, 10000);
  EXPECT_EQ(config->connect_timeout_ms, 10000);
}

TEST(IotConfigTest, CaPathIsOptional) {
  Fields fields = Upstream();
  fields.erase("ca-path");
  Result<IotCredentialConfig> config = IotConfigFromFields(fields, "s");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->ca_path, "");
}

TEST(IotConfigTest, HttpsEndpointUrlsAndPortsAreAccepted) {
  for (const char* endpoint :
       {"https://127.0.0.1:4443", "https://host.example/", "host:8443"}) {
    Fields fields = Upstream();
    fields["endpoint"] = endpoint;
    EXPECT_TRUE(IotConfigFromFields(fields, "s").ok()) << endpoint;
  }
}

TEST(IotConfigTest, MissingRequiredKeysAreNamed) {
  for (const char* key :
       {"endpoint", "cert-path", "key-path", "role-aliases"}) {
    Fields fields = Upstream();
    fields.erase(key);
    Result<IotCredentialConfig> config = IotConfigFromFields(fields, "s");
    ASSERT_FALSE(config.ok()) << key;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(config.status().message(),
              std::string("iot-certificate: missing key \"") + key + "\"");
  }
}

TEST(IotConfigTest, EmptyValuesAreNamed) {
  for (const char* key :
       {"endpoint", "cert-path", "key-path", "role-aliases", "ca-path",
        "iot-thing-name", "connection-timeout", "completion-timeout"}) {
    Fields fields = Upstream();
    fields[key] = "  ";
    Result<IotCredentialConfig> config = IotConfigFromFields(fields, "s");
    ASSERT_FALSE(config.ok()) << key;
    EXPECT_EQ(config.status().message(),
              std::string("iot-certificate: key \"") + key + "\" is empty");
  }
}

TEST(IotConfigTest, BadTimeoutsAreRejected) {
  for (const char* value :
       {"0", "-1", "5s", "2.5", "3601", "99999999999", "abc"}) {
    Fields fields = Upstream();
    fields["completion-timeout"] = value;
    Result<IotCredentialConfig> config = IotConfigFromFields(fields, "s");
    ASSERT_FALSE(config.ok()) << value;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find("\"completion-timeout\""),
              std::string::npos)
        << config.status().message();
  }
  Fields fields = Upstream();
  fields["connection-timeout"] = "3600";
  IotConfigExtras extras;
  ASSERT_TRUE(IotConfigFromFields(fields, "s", &extras).ok());
  EXPECT_EQ(extras.connect_timeout_ms, 3600 * 1000);
}

TEST(IotConfigTest, BadEndpointsAreRejected) {
  for (const char* endpoint :
       {"http://host", "ftp://host", "host/path", "https://host/role-aliases",
        "user@host", "two words"}) {
    Fields fields = Upstream();
    fields["endpoint"] = endpoint;
    Result<IotCredentialConfig> config = IotConfigFromFields(fields, "s");
    ASSERT_FALSE(config.ok()) << endpoint;
    EXPECT_NE(config.status().message().find("\"endpoint\""),
              std::string::npos);
  }
}

TEST(IotConfigTest, NoThingNameAndNoStreamName) {
  Result<IotCredentialConfig> config = IotConfigFromFields(Upstream(), "");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("iot-thing-name"),
            std::string::npos);
}

TEST(IotConfigTest, UnknownKeysAreWarningsNotErrors) {
  Fields fields = Upstream();
  fields["cert_path"] = "/typo/secret-looking-value";
  fields["retries"] = "3";
  IotConfigExtras extras;
  Result<IotCredentialConfig> config =
      IotConfigFromFields(fields, "s", &extras);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(extras.warnings.size(), 2u);
  EXPECT_EQ(extras.warnings[0].rfind(
                "iot-certificate: unknown key \"cert_path\" ignored (known "
                "keys: endpoint, cert-path,",
                0),
            0u)
      << extras.warnings[0];
  EXPECT_NE(extras.warnings[1].find("\"retries\""), std::string::npos);
  for (const std::string& w : extras.warnings) {
    EXPECT_EQ(w.find("secret-looking-value"), std::string::npos);
  }
  // Without `extras` the warnings are simply dropped.
  EXPECT_TRUE(IotConfigFromFields(fields, "s").ok());
}

TEST(IotConfigTest, ErrorsNeverShowPathsOrKeys) {
  Fields fields = Upstream();
  fields["completion-timeout"] = "x";
  Result<IotCredentialConfig> config = IotConfigFromFields(fields, "s");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message().find("private.pem.key"),
            std::string::npos);
}

}  // namespace
}  // namespace kvs
