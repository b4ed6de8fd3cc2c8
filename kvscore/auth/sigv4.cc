#include "kvscore/auth/sigv4.h"

#include <algorithm>
#include <map>

#include "kvscore/auth/aws_time.h"

namespace kvs {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// RFC 7230 token characters, the only ones a header name may hold.
bool IsTokenChar(unsigned char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || kSpecials.find(c) != std::string_view::npos;
}

// RFC 3986 section 5.2.4 on '/'-separated segments, also dropping the empty
// segments that "//" makes, as the test suite expects.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> kept;
  bool trailing_slash = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    const bool last = end == path.size();
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    // "/a/" and "/a/." and "/a/b/.." all name a directory.
    if (last)
      trailing_slash = segment.empty() || segment == "." || segment == "..";
    start = end + 1;
  }
  std::string out;
  for (std::string_view segment : kept) {
    out += '/';
    out += segment;
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(),
                                       [](char c) { return HexValue(c) >= 0; });
}

bool IsSigningHeader(std::string_view name) {
  const std::string lower = ToLower(name);
  return lower == "authorization" || lower == "x-amz-date" ||
         lower == "x-amz-security-token" || lower == "x-amz-content-sha256";
}

Status ValidateHeaders(const std::vector<SigV4Header>& headers) {
  bool has_host = false;
  for (const SigV4Header& header : headers) {
    const std::string& name = header.first;
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return IsTokenChar(static_cast<unsigned char>(c));
        })) {
      return Status(
          StatusCode::kSigningFailed,
          "SigV4: invalid header name \"" + name.substr(0, 64) + "\"");
    }
    const std::string& value = header.second;
    for (size_t i = 0; i < value.size(); ++i) {
      const bool line_break = value[i] == '\r' || value[i] == '\n';
      const bool folded = i + 1 < value.size() &&
                          (value[i + 1] == ' ' || value[i + 1] == '\t' ||
                           (value[i] == '\r' && value[i + 1] == '\n'));
      if (line_break && !folded) {
        // The value may be secret: name the header only.
        return Status(StatusCode::kSigningFailed,
                      "SigV4: header " + name + " has a line break");
      }
    }
    if (ToLower(name) == "host") has_host = true;
  }
  if (!has_host) {
    return Status(StatusCode::kSigningFailed,
                  "SigV4: the request has no Host header");
  }
  return Status::Ok();
}

Status ValidateParams(const SigV4Request& request,
                      const Credentials& credentials,
                      const SigningParams& params) {
  if (!credentials.complete()) {
    return Status(StatusCode::kSigningFailed,
                  "SigV4: credentials lack an access key id or secret key");
  }
  if (request.method.empty() || params.region.empty() ||
      params.service.empty()) {
    return Status(StatusCode::kSigningFailed,
                  "SigV4: method, region and service must be set");
  }
  if (params.signing_time_ns < 0) {
    return Status(StatusCode::kSigningFailed,
                  "SigV4: signing time is before 1970");
  }
  if (params.payload_hash && !IsHex64(*params.payload_hash)) {
    return Status(StatusCode::kSigningFailed,
                  "SigV4: payload hash is not 64 hex digits");
  }
  return ValidateHeaders(request.headers);
}

}  // namespace

std::string UriEncode(std::string_view bytes, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out +=
          static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view path, bool normalize) {
  if (path.empty()) return "/";
  return UriEncode(normalize ? NormalizePath(path) : std::string(path),
                   /*keep_slash=*/true);
}

std::string CanonicalQueryString(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view param = query.substr(start, end - start);
    if (!param.empty()) {
      const size_t eq = param.find('=');
      const std::string_view name = param.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos
                                         ? std::string_view()
                                         : param.substr(eq + 1);
      params.emplace_back(UriEncode(PercentDecode(name), false),
                          UriEncode(PercentDecode(value), false));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string CanonicalHeaderValue(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool pending_space = false;
  for (char c : raw) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

CanonicalHeaders MakeCanonicalHeaders(
    const std::vector<SigV4Header>& headers,
    const std::vector<std::string>& unsigned_headers) {
  // std::map keeps names sorted; values keep request order within a name.
  std::map<std::string, std::string> joined;
  for (const SigV4Header& header : headers) {
    std::string name = ToLower(header.first);
    if (name == "authorization" ||
        std::find(unsigned_headers.begin(), unsigned_headers.end(), name) !=
            unsigned_headers.end()) {
      continue;
    }
    auto [it, inserted] = joined.try_emplace(std::move(name));
    if (!inserted) it->second += ',';
    it->second += CanonicalHeaderValue(header.second);
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : joined) {
    out.block += name + ':' + value + '\n';
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += name;
  }
  return out;
}

CanonicalRequestParts BuildCanonicalRequest(
    const SigV4Request& request, std::string_view payload_hash,
    bool normalize_path, const std::vector<std::string>& unsigned_headers) {
  CanonicalHeaders headers =
      MakeCanonicalHeaders(request.headers, unsigned_headers);
  CanonicalRequestParts out;
  std::string& c = out.canonical_request;
  c = request.method + '\n';
  c += CanonicalUri(request.path, normalize_path) + '\n';
  c += CanonicalQueryString(request.query) + '\n';
  c += headers.block + '\n';
  c += headers.signed_headers + '\n';
  c += payload_hash;
  out.signed_headers = std::move(headers.signed_headers);
  return out;
}

std::string CredentialScope(std::string_view scope_date,
                            std::string_view region, std::string_view service) {
  std::string out(scope_date);
  out += '/';
  out += region;
  out += '/';
  out += service;
  out += "/aws4_request";
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out = kSigV4Algorithm;
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += HexSha256(canonical_request);
  return out;
}

Sha256Digest DeriveSigningKey(std::string_view secret_access_key,
                              std::string_view scope_date,
                              std::string_view region,
                              std::string_view service) {
  std::string secret = "AWS4";
  secret += secret_access_key;
  const ByteSpan secret_span(reinterpret_cast<const uint8_t*>(secret.data()),
                             secret.size());
  Sha256Digest key = HmacSha256(secret_span, scope_date);
  // Wipe the copy of the secret; std::string's own buffer may be reused.
  std::fill(secret.begin(), secret.end(), '\0');
  key = HmacSha256(ByteSpan(key.data(), key.size()), region);
  key = HmacSha256(ByteSpan(key.data(), key.size()), service);
  return HmacSha256(ByteSpan(key.data(), key.size()), "aws4_request");
}

std::string ComputeSignature(const Sha256Digest& signing_key,
                             std::string_view string_to_sign) {
  const Sha256Digest mac = HmacSha256(
      ByteSpan(signing_key.data(), signing_key.size()), string_to_sign);
  return ToHex(ByteSpan(mac.data(), mac.size()));
}

std::string AuthorizationHeader(std::string_view access_key_id,
                                std::string_view scope,
                                std::string_view signed_headers,
                                std::string_view signature) {
  std::string out = kSigV4Algorithm;
  out += " Credential=";
  out += access_key_id;
  out += '/';
  out += scope;
  out += ", SignedHeaders=";
  out += signed_headers;
  out += ", Signature=";
  out += signature;
  return out;
}

Result<SigningResult> Sign(SigV4Request* request, ByteSpan body,
                           const Credentials& credentials,
                           const SigningParams& params) {
  KVS_RETURN_IF_ERROR(ValidateParams(*request, credentials, params));
  std::vector<SigV4Header>& headers = request->headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [](const SigV4Header& h) {
                                 return IsSigningHeader(h.first);
                               }),
                headers.end());

  const std::string amz_date = FormatAmzDate(params.signing_time_ns);
  const std::string scope_date = FormatScopeDate(params.signing_time_ns);
  const std::string payload_hash =
      params.payload_hash ? *params.payload_hash : HexSha256(body);
  const bool token_signed =
      credentials.has_session_token() &&
      params.session_token_mode == SessionTokenMode::kSigned;
  if (token_signed) {
    headers.emplace_back(kSecurityTokenHeader, credentials.session_token);
  }
  headers.emplace_back(kAmzDateHeader, amz_date);
  if (params.add_content_sha256_header) {
    headers.emplace_back(kContentSha256Header, payload_hash);
  }

  SigningResult result;
  CanonicalRequestParts canonical = BuildCanonicalRequest(
      *request, payload_hash, params.normalize_path, params.unsigned_headers);
  result.canonical_request = std::move(canonical.canonical_request);
  result.signed_headers = std::move(canonical.signed_headers);
  const std::string scope =
      CredentialScope(scope_date, params.region, params.service);
  result.string_to_sign =
      StringToSign(amz_date, scope, result.canonical_request);
  Sha256Digest key = DeriveSigningKey(credentials.secret_access_key, scope_date,
                                      params.region, params.service);
  result.signature = ComputeSignature(key, result.string_to_sign);
  key.fill(0);
  result.authorization =
      AuthorizationHeader(credentials.access_key_id, scope,
                          result.signed_headers, result.signature);

  headers.emplace_back(kAuthorizationHeader, result.authorization);
  if (credentials.has_session_token() && !token_signed) {
    headers.emplace_back(kSecurityTokenHeader, credentials.session_token);
  }
  return result;
}

}  // namespace kvs
