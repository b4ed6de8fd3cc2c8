// Unit tests of the SigV4 stages beyond the AWS suite (sigv4_vectors_test.cc):
// encoding edge cases, Sign()'s header handling and errors, and two KVS-shaped
// requests checked against botocore.
#include "kvscore/auth/sigv4.h"

#include <gtest/gtest.h>

#include <string>

namespace kvs {
namespace {

constexpr int64_t kNs = 1000000000;

Credentials ExampleCredentials(std::string token = "") {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.session_token = std::move(token);
  return c;
}

int CountHeader(const SigV4Request& r, const std::string& lower_name) {
  int n = 0;
  for (const auto& [name, value] : r.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    n += lower == lower_name;
  }
  return n;
}

TEST(UriEncodeTest, KeepsUnreservedEncodesTheRestUpperCase) {
  EXPECT_EQ(UriEncode("aZ09-._~", false), "aZ09-._~");
  EXPECT_EQ(UriEncode("a b/c+d=e%", false), "a%20b%2Fc%2Bd%3De%25");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(UriEncode("\xe1\x88\xb4", false), "%E1%88%B4");
}

TEST(PercentDecodeTest, DecodesValidEscapesOnly) {
  EXPECT_EQ(PercentDecode("%e1%88%B4"), "\xe1\x88\xb4");
  EXPECT_EQ(PercentDecode("a+b%2"), "a+b%2");
  EXPECT_EQ(PercentDecode("%zz%41"), "%zzA");
}

TEST(CanonicalUriTest, EncodesTheWireFormAgain) {
  // Non-S3 services sign the already-encoded path encoded once more.
  EXPECT_EQ(CanonicalUri("/example%20space", true), "/example%2520space");
  EXPECT_EQ(CanonicalUri("/putMedia", true), "/putMedia");
  EXPECT_EQ(CanonicalUri("", true), "/");
  EXPECT_EQ(CanonicalUri("", false), "/");
}

TEST(CanonicalUriTest, NormalizesDotSegmentsAndEmptySegments) {
  EXPECT_EQ(CanonicalUri("/a/b/../c/./d", true), "/a/c/d");
  EXPECT_EQ(CanonicalUri("/a/b/..", true), "/a/");
  EXPECT_EQ(CanonicalUri("/../../a", true), "/a");
  EXPECT_EQ(CanonicalUri("//a///b//", true), "/a/b/");
  EXPECT_EQ(CanonicalUri("//a///b//", false), "//a///b//");
}

TEST(CanonicalQueryStringTest, SortsEncodesAndFillsMissingValues) {
  EXPECT_EQ(CanonicalQueryString(""), "");
  EXPECT_EQ(CanonicalQueryString("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(CanonicalQueryString("flag&x="), "flag=&x=");
  EXPECT_EQ(CanonicalQueryString("&&k=v&"), "k=v");
  EXPECT_EQ(CanonicalQueryString("k=a%2fb c"), "k=a%2Fb%20c");
  EXPECT_EQ(CanonicalQueryString("k=1=2"), "k=1%3D2");
}

TEST(CanonicalHeaderValueTest, TrimsCollapsesAndFolds) {
  EXPECT_EQ(CanonicalHeaderValue("  v  "), "v");
  EXPECT_EQ(CanonicalHeaderValue("\"a   b\t\tc\""), "\"a b c\"");
  EXPECT_EQ(CanonicalHeaderValue("v1\r\n  v2\n\tv3"), "v1 v2 v3");
  EXPECT_EQ(CanonicalHeaderValue(""), "");
  EXPECT_EQ(CanonicalHeaderValue("   "), "");
}

TEST(MakeCanonicalHeadersTest, LowerCasesSortsJoinsAndSkipsUnsigned) {
  const CanonicalHeaders h = MakeCanonicalHeaders({{"Zeta", "1"},
                                                   {"Host", "h"},
                                                   {"authorization", "x"},
                                                   {"zeta", " 2 "},
                                                   {"Content-Type", "t"}},
                                                  {"content-type"});
  EXPECT_EQ(h.block, "host:h\nzeta:1,2\n");
  EXPECT_EQ(h.signed_headers, "host;zeta");
}

TEST(AuthorizationHeaderTest, Format) {
  EXPECT_EQ(
      AuthorizationHeader("AKID", "20150830/r/s/aws4_request", "host", "abcd"),
      "AWS4-HMAC-SHA256 Credential=AKID/20150830/r/s/aws4_request, "
      "SignedHeaders=host, Signature=abcd");
}

SigV4Request PutMediaRequest() {
  SigV4Request r;
  r.method = "POST";
  r.path = "/putMedia";
  r.headers = {
      {"connection", "keep-alive"},
      {"host", "s-1234abcd.kinesisvideo.us-west-2.amazonaws.com"},
      {"transfer-encoding", "chunked"},
      {"user-agent", "kvssink/0.1.0"},
      {"x-amzn-fragment-acknowledgment-required", "1"},
      {"x-amzn-fragment-timecode-type", "ABSOLUTE"},
      {"x-amzn-producer-start-timestamp", "1795262660.292"},
      {"x-amzn-stream-name", "my-stream"},
  };
  return r;
}

// The expected values come from botocore 1.29.27 (/usr/bin/python3), which
// signs every header except expect, user-agent and x-amzn-trace-id, adds a
// signed X-Amz-Security-Token, and hashes an empty body as e3b0c442...:
//
//   import datetime
//   from unittest import mock
//   from botocore.auth import SigV4Auth
//   from botocore.awsrequest import AWSRequest
//   from botocore.credentials import Credentials
//   creds = Credentials("AKIDEXAMPLE",
//                       "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
//                       "FQoGZXIvYXdzEXAMPLETOKEN+/=")
//   req = AWSRequest(method="POST", url="https://s-1234abcd.kinesisvideo."
//                    "us-west-2.amazonaws.com/putMedia", data=b"", headers={
//       "connection": "keep-alive", "transfer-encoding": "chunked",
//       "user-agent": "kvssink/0.1.0",
//       "x-amzn-fragment-acknowledgment-required": "1",
//       "x-amzn-fragment-timecode-type": "ABSOLUTE",
//       "x-amzn-producer-start-timestamp": "1795262660.292",
//       "x-amzn-stream-name": "my-stream"})
//   with mock.patch("botocore.auth.datetime") as dt:
//       dt.datetime.utcnow.return_value = datetime.datetime(
//           2026, 11, 21, 12, 4, 20)
//       SigV4Auth(creds, "kinesisvideo", "us-west-2").add_auth(req)
//   print(req.headers["Authorization"])
TEST(SignTest, PutMediaWithEmptyPayloadHashMatchesBotocore) {
  SigV4Request request = PutMediaRequest();
  SigningParams params;
  params.region = "us-west-2";
  params.signing_time_ns = 1795262660 * kNs;  // 2026-11-21T12:04:20Z.
  params.payload_hash = kEmptyPayloadSha256;
  params.unsigned_headers = {"user-agent"};  // As botocore.
  Result<SigningResult> result =
      Sign(&request, ByteSpan(),
           ExampleCredentials("FQoGZXIvYXdzEXAMPLETOKEN+/="), params);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261121/us-west-2/"
            "kinesisvideo/aws4_request, SignedHeaders=connection;host;"
            "transfer-encoding;x-amz-date;x-amz-security-token;"
            "x-amzn-fragment-acknowledgment-required;"
            "x-amzn-fragment-timecode-type;x-amzn-producer-start-timestamp;"
            "x-amzn-stream-name, Signature="
            "8b8f13fc48050d1667bef48d8f4409abb0d9aba91e392a8ed02199ffa46a28e4");
  EXPECT_EQ(CountHeader(request, "x-amz-content-sha256"), 0);
  EXPECT_EQ(
      result->canonical_request.substr(result->canonical_request.size() - 64),
      kEmptyPayloadSha256);
}

// Same script, second request (no session token):
//   body = b'{\n\t"StreamName": "test"\n}'
//   req = AWSRequest(method="POST", url="https://kinesisvideo.us-west-2."
//                    "amazonaws.com/describeStream", data=body, headers={
//       "content-type": "application/json", "user-agent": "kvssink/0.1.0"})
//   ... utcnow = datetime.datetime(2026, 11, 21, 12, 23, 17) ...
//   SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY"
//             "EXAMPLEKEY"), "kinesisvideo", "us-west-2").add_auth(req)
TEST(SignTest, ControlPlaneBodyHashMatchesBotocore) {
  SigV4Request request;
  request.method = "POST";
  request.path = "/describeStream";
  request.headers = {{"Host", "kinesisvideo.us-west-2.amazonaws.com"},
                     {"content-type", "application/json"},
                     {"user-agent", "kvssink/0.1.0"}};
  const std::string body = "{\n\t\"StreamName\": \"test\"\n}";
  SigningParams params;
  params.region = "us-west-2";
  params.signing_time_ns = 1795263797 * kNs;  // 2026-11-21T12:23:17Z.
  params.unsigned_headers = {"user-agent"};
  Result<SigningResult> result =
      Sign(&request,
           ByteSpan(reinterpret_cast<const uint8_t*>(body.data()), body.size()),
           ExampleCredentials(), params);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261121/us-west-2/"
            "kinesisvideo/aws4_request, SignedHeaders=content-type;host;"
            "x-amz-date, Signature="
            "6be257d6fcf73212011cb5c255da4c3b09d0c7e428d10ee466475d9f1dd857e5");
  EXPECT_EQ(CountHeader(request, "x-amz-security-token"), 0);
}

TEST(SignTest, ResigningReplacesEarlierSigningHeaders) {
  SigV4Request request = PutMediaRequest();
  SigningParams params;
  params.region = "us-west-2";
  params.signing_time_ns = 1795262660 * kNs;
  params.payload_hash = kEmptyPayloadSha256;
  const Credentials creds = ExampleCredentials("token");
  ASSERT_TRUE(Sign(&request, ByteSpan(), creds, params).ok());
  params.signing_time_ns += 60 * kNs;
  Result<SigningResult> second = Sign(&request, ByteSpan(), creds, params);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(CountHeader(request, "authorization"), 1);
  EXPECT_EQ(CountHeader(request, "x-amz-date"), 1);
  EXPECT_EQ(CountHeader(request, "x-amz-security-token"), 1);
  SigV4Request fresh = PutMediaRequest();
  Result<SigningResult> direct = Sign(&fresh, ByteSpan(), creds, params);
  EXPECT_EQ(second->authorization, direct->authorization);
  EXPECT_EQ(request.headers, fresh.headers);
}

TEST(SignTest, UnsignedTokenModeAddsTokenLastAndLeavesItUnsigned) {
  SigV4Request request = PutMediaRequest();
  SigningParams params;
  params.region = "us-west-2";
  params.signing_time_ns = 1795262660 * kNs;
  params.payload_hash = kEmptyPayloadSha256;
  params.session_token_mode = SessionTokenMode::kUnsignedAfterSigning;
  Result<SigningResult> result =
      Sign(&request, ByteSpan(), ExampleCredentials("tok"), params);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->signed_headers.find("x-amz-security-token"),
            std::string::npos);
  EXPECT_EQ(result->canonical_request.find("tok\n"), std::string::npos);
  ASSERT_FALSE(request.headers.empty());
  EXPECT_EQ(request.headers.back(), SigV4Header(kSecurityTokenHeader, "tok"));
}

struct BadInputCase {
  const char* name;
  void (*mutate)(SigV4Request*, Credentials*, SigningParams*);
};

class SignErrorTest : public ::testing::TestWithParam<BadInputCase> {};

TEST_P(SignErrorTest, FailsWithoutTouchingTheRequest) {
  SigV4Request request = PutMediaRequest();
  Credentials creds = ExampleCredentials("secret-token-value");
  SigningParams params;
  params.region = "us-west-2";
  params.signing_time_ns = 1795262660 * kNs;
  GetParam().mutate(&request, &creds, &params);
  const SigV4Request before = request;
  Result<SigningResult> result = Sign(&request, ByteSpan(), creds, params);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kSigningFailed);
  EXPECT_EQ(request.headers, before.headers);
  // Errors never quote secrets.
  EXPECT_EQ(result.status().message().find(creds.secret_access_key.empty()
                                               ? "\x01"
                                               : creds.secret_access_key),
            std::string::npos);
  EXPECT_EQ(result.status().message().find("secret-token-value"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    BadInput, SignErrorTest,
    ::testing::Values(
        BadInputCase{"NoSecret",
                     [](SigV4Request*, Credentials* c, SigningParams*) {
                       c->secret_access_key.clear();
                     }},
        BadInputCase{"NoKeyId",
                     [](SigV4Request*, Credentials* c, SigningParams*) {
                       c->access_key_id.clear();
                     }},
        BadInputCase{"NoRegion", [](SigV4Request*, Credentials*,
                                    SigningParams* p) { p->region.clear(); }},
        BadInputCase{"NoMethod", [](SigV4Request* r, Credentials*,
                                    SigningParams*) { r->method.clear(); }},
        BadInputCase{"NegativeTime",
                     [](SigV4Request*, Credentials*, SigningParams* p) {
                       p->signing_time_ns = -1;
                     }},
        BadInputCase{"NoHost",
                     [](SigV4Request* r, Credentials*, SigningParams*) {
                       r->headers.erase(r->headers.begin() + 1);
                     }},
        BadInputCase{"BadHeaderName",
                     [](SigV4Request* r, Credentials*, SigningParams*) {
                       r->headers.emplace_back("bad name", "v");
                     }},
        BadInputCase{"HeaderInjection",
                     [](SigV4Request* r, Credentials*, SigningParams*) {
                       r->headers.emplace_back("x-a", "v\r\nx-b: w");
                     }},
        BadInputCase{"ShortPayloadHash",
                     [](SigV4Request*, Credentials*, SigningParams* p) {
                       p->payload_hash = "e3b0";
                     }}),
    [](const ::testing::TestParamInfo<BadInputCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace kvs
