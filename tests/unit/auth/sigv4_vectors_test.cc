// Runs every case of the AWS SigV4 test suite (../shared/vectors/sigv4, read
// at test time) through each signing stage and checks the header-signing
// results byte for byte: canonical request, string to sign, signature and
// the signed request (Authorization value exact; all header lines as a set).
//
// Interpretation of the suite (it is aws-c-auth's; see vectors/README.md):
//   - request.txt is "METHOD URI HTTP/1.1", then "Name:value" header lines
//     (a line starting with whitespace continues the previous value; we keep
//     the line break so CanonicalHeaderValue() must fold it), then an empty
//     line and the body. The URI may hold spaces and raw UTF-8: everything
//     between the first and the last space is the URI.
//   - context.json: `normalize` selects path normalization; `sign_body`
//     means "hash the body and add x-amz-content-sha256" (aws-c-auth's
//     signed_body_header), else the payload hash is the empty-body hash;
//     `omit_session_token` true means the token is added after signing,
//     unsigned (SessionTokenMode::kUnsignedAfterSigning), and absent or false
//     means signed (kSigned).
//   - The expected signed request lists the session token header before
//     X-Amz-Date even when it was added after signing, so header lines are
//     compared as a multiset; their content is exact.
#include <dirent.h>
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "kvscore/auth/aws_time.h"
#include "kvscore/auth/sigv4.h"
#include "tests/unit/test_support.h"

namespace kvs {
namespace {

std::string SuiteDir() {
  const char* dir = std::getenv("KVS_SHARED_DIR");
  return std::string(dir != nullptr ? dir : "") + "/vectors/sigv4";
}

// The case folders, sorted. Runs before main(), so it cannot fail a test;
// CaseCount below checks that the suite was found.
std::vector<std::string> ListCases() {
  std::vector<std::string> cases;
  DIR* dir = opendir(SuiteDir().c_str());
  if (dir == nullptr) return cases;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name[0] == '.' || name == "LICENSE") continue;
    cases.push_back(name);
  }
  closedir(dir);
  std::sort(cases.begin(), cases.end());
  return cases;
}

struct VectorCase {
  SigV4Request request;
  std::string body;
  Credentials credentials;
  SigningParams params;
};

// Parses request.txt as described at the top of this file.
bool ParseRequest(const std::string& text, SigV4Request* request,
                  std::string* body) {
  size_t pos = text.find('\n');
  if (pos == std::string::npos) return false;
  const std::string line = text.substr(0, pos);
  const size_t first_space = line.find(' ');
  const size_t last_space = line.rfind(' ');
  if (first_space == std::string::npos || last_space <= first_space) {
    return false;
  }
  request->method = line.substr(0, first_space);
  const std::string uri =
      line.substr(first_space + 1, last_space - first_space - 1);
  const size_t question = uri.find('?');
  request->path = uri.substr(0, question);
  request->query =
      question == std::string::npos ? "" : uri.substr(question + 1);
  ++pos;
  while (pos < text.size() && text[pos] != '\n') {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string header = text.substr(pos, end - pos);
    if (header[0] == ' ' || header[0] == '\t') {
      if (request->headers.empty()) return false;
      request->headers.back().second += "\n" + header;
    } else {
      const size_t colon = header.find(':');
      if (colon == std::string::npos) return false;
      request->headers.emplace_back(header.substr(0, colon),
                                    header.substr(colon + 1));
    }
    pos = end + 1;
  }
  *body = pos < text.size() ? text.substr(pos + 1) : "";
  return true;
}

bool ParseContext(const std::string& text, VectorCase* c) {
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text.data(), text.size(), nullptr)) {
    return false;
  }
  JsonObject* root = json_node_get_object(json_parser_get_root(parser));
  JsonObject* creds = json_object_get_object_member(root, "credentials");
  c->credentials.access_key_id =
      json_object_get_string_member(creds, "access_key_id");
  c->credentials.secret_access_key =
      json_object_get_string_member(creds, "secret_access_key");
  c->credentials.session_token =
      json_object_get_string_member_with_default(creds, "token", "");
  c->params.region = json_object_get_string_member(root, "region");
  c->params.service = json_object_get_string_member(root, "service");
  Result<int64_t> time =
      ParseIso8601(json_object_get_string_member(root, "timestamp"));
  if (!time.ok()) return false;
  c->params.signing_time_ns = *time;
  c->params.normalize_path = json_object_get_boolean_member(root, "normalize");
  const bool sign_body = json_object_get_boolean_member(root, "sign_body");
  c->params.add_content_sha256_header = sign_body;
  if (!sign_body) c->params.payload_hash = kEmptyPayloadSha256;
  c->params.session_token_mode = json_object_get_boolean_member_with_default(
                                     root, "omit_session_token", FALSE)
                                     ? SessionTokenMode::kUnsignedAfterSigning
                                     : SessionTokenMode::kSigned;
  return true;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Splits a rendered request into its request line, header lines (a folded
// value stays one entry) and body.
struct RenderedRequest {
  std::string request_line;
  std::vector<std::string> header_lines;
  std::string body;
};

RenderedRequest SplitRendered(const std::string& text) {
  RenderedRequest out;
  size_t pos = text.find('\n');
  out.request_line = text.substr(0, pos);
  pos = pos == std::string::npos ? text.size() : pos + 1;
  while (pos < text.size() && text[pos] != '\n') {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    if ((line[0] == ' ' || line[0] == '\t') && !out.header_lines.empty()) {
      out.header_lines.back() += "\n" + line;
    } else {
      out.header_lines.push_back(line);
    }
    pos = end + 1;
  }
  out.body = pos < text.size() ? text.substr(pos + 1) : "";
  std::sort(out.header_lines.begin(), out.header_lines.end());
  return out;
}

class SigV4VectorTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = SuiteDir() + "/" + GetParam() + "/";
    ASSERT_TRUE(ParseRequest(kvs_test::ReadFileText(dir_ + "request.txt"),
                             &case_.request, &case_.body));
    ASSERT_TRUE(
        ParseContext(kvs_test::ReadFileText(dir_ + "context.json"), &case_));
  }
  std::string Expected(const std::string& file) {
    return kvs_test::ReadFileText(dir_ + file);
  }

  std::string dir_;
  VectorCase case_;
};

ByteSpan BodySpan(const std::string& body) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(body.data()), body.size());
}

// The whole pipeline through Sign().
TEST_P(SigV4VectorTest, SignMatchesEveryStage) {
  SigV4Request request = case_.request;
  Result<SigningResult> signed_request =
      Sign(&request, BodySpan(case_.body), case_.credentials, case_.params);
  ASSERT_TRUE(signed_request.ok()) << signed_request.status().ToString();
  EXPECT_EQ(signed_request->canonical_request,
            Expected("header-canonical-request.txt"));
  EXPECT_EQ(signed_request->string_to_sign,
            Expected("header-string-to-sign.txt"));
  EXPECT_EQ(signed_request->signature,
            Trimmed(Expected("header-signature.txt")));

  RenderedRequest expected =
      SplitRendered(Expected("header-signed-request.txt"));
  std::string rendered = request.method + " " + request.path +
                         (request.query.empty() ? "" : "?" + request.query) +
                         " HTTP/1.1\n";
  for (const auto& [name, value] : request.headers) {
    rendered += name + ":" + value + "\n";
  }
  rendered += "\n" + case_.body;
  RenderedRequest actual = SplitRendered(rendered);
  EXPECT_EQ(actual.request_line, expected.request_line);
  EXPECT_EQ(actual.header_lines, expected.header_lines);
  EXPECT_EQ(actual.body, expected.body);
  const std::string authorization_line =
      std::string(kAuthorizationHeader) + ":" + signed_request->authorization;
  EXPECT_NE(std::find(expected.header_lines.begin(),
                      expected.header_lines.end(), authorization_line),
            expected.header_lines.end());
}

// Each stage fed the suite's expected output of the stage before it, so a
// failure points at one stage.
TEST_P(SigV4VectorTest, StagesMatchIndependently) {
  const SigningParams& p = case_.params;
  const std::string amz_date = FormatAmzDate(p.signing_time_ns);
  const std::string scope_date = FormatScopeDate(p.signing_time_ns);

  // Stage 1 needs the headers Sign() adds before signing.
  SigV4Request request = case_.request;
  if (case_.credentials.has_session_token() &&
      p.session_token_mode == SessionTokenMode::kSigned) {
    request.headers.emplace_back(kSecurityTokenHeader,
                                 case_.credentials.session_token);
  }
  request.headers.emplace_back(kAmzDateHeader, amz_date);
  const std::string payload_hash =
      p.payload_hash ? *p.payload_hash : HexSha256(case_.body);
  if (p.add_content_sha256_header) {
    request.headers.emplace_back(kContentSha256Header, payload_hash);
  }
  const CanonicalRequestParts canonical = BuildCanonicalRequest(
      request, payload_hash, p.normalize_path, p.unsigned_headers);
  EXPECT_EQ(canonical.canonical_request,
            Expected("header-canonical-request.txt"));

  const std::string scope = CredentialScope(scope_date, p.region, p.service);
  EXPECT_EQ(
      StringToSign(amz_date, scope, Expected("header-canonical-request.txt")),
      Expected("header-string-to-sign.txt"));

  const Sha256Digest key = DeriveSigningKey(case_.credentials.secret_access_key,
                                            scope_date, p.region, p.service);
  const std::string signature =
      ComputeSignature(key, Expected("header-string-to-sign.txt"));
  EXPECT_EQ(signature, Trimmed(Expected("header-signature.txt")));

  const std::string authorization =
      std::string(kAuthorizationHeader) + ":" +
      AuthorizationHeader(case_.credentials.access_key_id, scope,
                          canonical.signed_headers, signature);
  const std::string signed_request = Expected("header-signed-request.txt");
  EXPECT_NE(signed_request.find(authorization + "\n"), std::string::npos)
      << authorization;
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4VectorTest,
                         ::testing::ValuesIn(ListCases()), CaseName);

// The README promises 38 cases; catches a missing or moved suite.
TEST(SigV4VectorSuite, AllCasesFound) {
  ASSERT_FALSE(kvs_test::SharedDir().empty());
  EXPECT_EQ(ListCases().size(), 38u) << SuiteDir();
}

}  // namespace
}  // namespace kvs
