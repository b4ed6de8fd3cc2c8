#include "gst/kvssink_glue.h"

#include <mutex>

#include "kvscore/base/log.h"

namespace kvssink {
namespace {

class MappedBuffer final : public kvs::Bytes {
 public:
  explicit MappedBuffer(GstBuffer* buffer) : buffer_(gst_buffer_ref(buffer)) {
    mapped_ = gst_buffer_map(buffer_, &map_, GST_MAP_READ);
  }
  ~MappedBuffer() override {
    if (mapped_) gst_buffer_unmap(buffer_, &map_);
    gst_buffer_unref(buffer_);
  }
  bool mapped() const { return mapped_; }
  const uint8_t* data() const override { return map_.data; }
  size_t size() const override { return map_.size; }

 private:
  GstBuffer* buffer_;
  GstMapInfo map_ = GST_MAP_INFO_INIT;
  bool mapped_ = false;
};

GstDebugLevel ToGstLevel(kvs::LogLevel level) {
  return static_cast<GstDebugLevel>(static_cast<int>(level) + 1);
}

void LogToGst(kvs::LogLevel level, const char* file, int line,
              const char* function, const char* message) {
  gst_debug_log(gst_kvs_sink_debug, ToGstLevel(level), file, function, line,
                nullptr, "%s", message);
}

bool GstLogEnabled(kvs::LogLevel level) {
  return gst_debug_category_get_threshold(gst_kvs_sink_debug) >=
         ToGstLevel(level);
}

}  // namespace

kvs::BytesRef BytesFromBuffer(GstBuffer* buffer, bool* copied) {
  *copied = buffer->pool != nullptr;
  if (*copied) {
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return nullptr;
    kvs::BytesRef bytes = kvs::CopyBytes(kvs::ByteSpan(map.data, map.size));
    gst_buffer_unmap(buffer, &map);
    return bytes;
  }
  auto mapped = std::make_shared<MappedBuffer>(buffer);
  if (!mapped->mapped()) return nullptr;
  return mapped;
}

void InstallLogSink() {
  static std::once_flag once;
  std::call_once(once, [] { kvs::SetLogSink(&LogToGst, &GstLogEnabled); });
}

namespace {

// The settings behind each credential source (kvscore/auth), for hints.
std::string SettingsOf(const std::string& source) {
  static const struct {
    const char* source;
    const char* settings;
  } kSettings[] = {
      {"properties", "access-key, secret-key and session-token"},
      {"iot-certificate",
       "the iot-certificate structure (endpoint, cert-path, key-path, "
       "ca-path, role-aliases, iot-thing-name = the stream name)"},
      {"credential-file", "the credential-path file and its expiry"},
      {"profile", "the profile and the AWS config/credentials files"},
      {"environment",
       "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"},
      {"container", "AWS_CONTAINER_CREDENTIALS_* and the task role"},
      {"instance-metadata", "the EC2 instance's role"}};
  for (const auto& s : kSettings) {
    if (source.rfind(s.source, 0) == 0) return s.settings;
  }
  return "";
}

}  // namespace

std::string HintFor(const kvs::Status& status, const ErrorContext& context) {
  const std::string& stream = context.stream_name;
  switch (status.code()) {
    case kvs::StatusCode::kResourceNotFound:
      return "Stream '" + stream + "' does not exist: create it (aws " +
             "kinesisvideo create-stream --stream-name " + stream +
             ") or set allow-create-stream=true, and check aws-region.";
    case kvs::StatusCode::kNotAuthorized: {
      std::string settings = SettingsOf(context.credentials_source);
      std::string which =
          settings.empty()
              ? "access-key/secret-key (or AWS_ACCESS_KEY_ID/"
                "AWS_SECRET_ACCESS_KEY), session-token for temporary "
                "credentials"
              : settings + " (the credentials came from " +
                    context.credentials_source + ")";
      return "The service rejected the request's credentials: check " + which +
             ", aws-region, the system clock, and that the IAM policy allows "
             "kinesisvideo:DescribeStream, GetDataEndpoint and PutMedia.";
    }
    case kvs::StatusCode::kCredentialsUnavailable:
    case kvs::StatusCode::kCredentialsExpired:
      if (context.explicit_credentials) {
        return "A configured credential source failed (see the message); "
               "check its settings. kvssink does not fall back to other "
               "sources when one is configured.";
      }
      return "Set access-key and secret-key, credential-path, "
             "iot-certificate or profile, or AWS_ACCESS_KEY_ID and "
             "AWS_SECRET_ACCESS_KEY in the environment.";
    case kvs::StatusCode::kConnectFailed:
    case kvs::StatusCode::kTimeout:
    case kvs::StatusCode::kNetworkError:
      return "Check the endpoint (endpoint-uri, AWS_ENDPOINT_URL, "
             "aws-region), network connectivity and proxy settings.";
    case kvs::StatusCode::kTlsFailed:
      return "TLS failed: check ca-path (or KVSSINK_CA_CERT_PATH/"
             "AWS_CA_BUNDLE) and that the endpoint's certificate matches its "
             "host name.";
    case kvs::StatusCode::kInvalidCodecData:
      return "Put a parser before kvssink (h264parse, h265parse, aacparse) "
             "so the caps carry codec_data.";
    default:
      return "";
  }
}

void PostStatusError(GstElement* element, const kvs::Status& status,
                     const std::string& what, const ErrorContext& context) {
  const std::string& stream = context.stream_name;
  GQuark domain = GST_RESOURCE_ERROR;
  gint code = GST_RESOURCE_ERROR_WRITE;
  switch (status.code()) {
    case kvs::StatusCode::kResourceNotFound:
      code = GST_RESOURCE_ERROR_NOT_FOUND;
      break;
    case kvs::StatusCode::kNotAuthorized:
    case kvs::StatusCode::kCredentialsUnavailable:
    case kvs::StatusCode::kCredentialsExpired:
    case kvs::StatusCode::kSigningFailed:
      code = GST_RESOURCE_ERROR_NOT_AUTHORIZED;
      break;
    case kvs::StatusCode::kConnectFailed:
    case kvs::StatusCode::kTlsFailed:
      code = GST_RESOURCE_ERROR_OPEN_WRITE;
      break;
    case kvs::StatusCode::kInvalidCodecData:
    case kvs::StatusCode::kUnsupportedCodec:
      domain = GST_STREAM_ERROR;
      code = GST_STREAM_ERROR_FORMAT;
      break;
    case kvs::StatusCode::kInvalidArgument:
      domain = GST_LIBRARY_ERROR;
      code = GST_LIBRARY_ERROR_SETTINGS;
      break;
    default:
      break;
  }
  std::string text = what + ": " + status.ToString();
  if (status.code() == kvs::StatusCode::kNotAuthorized &&
      !context.credentials_source.empty()) {
    text += " [credentials from " + context.credentials_source + "]";
  }
  std::string debug = HintFor(status, context);
  GstStructure* details = gst_structure_new(
      "details", "stream-name", G_TYPE_STRING, stream.c_str(), nullptr);
  if (status.http_status() != 0) {
    gst_structure_set(details, "http-status-code", G_TYPE_INT,
                      status.http_status(), nullptr);
  }
  if (status.kvs_error_id() != 0) {
    gst_structure_set(details, "kvs-error-id", G_TYPE_INT,
                      status.kvs_error_id(), nullptr);
  }
  if (!status.aws_error_type().empty()) {
    gst_structure_set(details, "aws-error-type", G_TYPE_STRING,
                      status.aws_error_type().c_str(), nullptr);
  }
  GError* error = g_error_new_literal(domain, code, text.c_str());
  GstMessage* message = gst_message_new_error_with_details(
      GST_OBJECT(element), error, debug.empty() ? nullptr : debug.c_str(),
      details);
  g_error_free(error);
  gst_element_post_message(element, message);
}

}  // namespace kvssink
