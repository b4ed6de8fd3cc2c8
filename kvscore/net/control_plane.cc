#include "kvscore/net/control_plane.h"

#include <json-glib/json-glib.h>

#include <utility>

#include "kvscore/base/log.h"

namespace kvs {
namespace {

std::string ToJson(JsonBuilder* builder) {
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  g_autoptr(JsonGenerator) generator = json_generator_new();
  json_generator_set_root(generator, root);
  g_autofree char* text = json_generator_to_data(generator, nullptr);
  return text;
}

void AddString(JsonBuilder* builder, const char* name,
               const std::string& value) {
  json_builder_set_member_name(builder, name);
  json_builder_add_string_value(builder, value.c_str());
}

void AddTags(JsonBuilder* builder,
             const std::map<std::string, std::string>& tags) {
  json_builder_set_member_name(builder, "Tags");
  json_builder_begin_object(builder);
  for (const auto& tag : tags)
    AddString(builder, tag.first.c_str(), tag.second);
  json_builder_end_object(builder);
}

// Parses a 2xx body into its top-level object; null on failure.
JsonObject* ParseObject(JsonParser* parser, const std::string& body) {
  if (!json_parser_load_from_data(parser, body.data(),
                                  static_cast<gssize>(body.size()), nullptr)) {
    return nullptr;
  }
  JsonNode* root = json_parser_get_root(parser);
  return root != nullptr && JSON_NODE_HOLDS_OBJECT(root)
             ? json_node_get_object(root)
             : nullptr;
}

std::string StringMember(JsonObject* object, const char* name) {
  JsonNode* node = json_object_get_member(object, name);
  if (node == nullptr || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_STRING) {
    return "";
  }
  return json_node_get_string(node);
}

Status Malformed(const char* operation, const char* what) {
  return Status(StatusCode::kMalformedResponse,
                std::string(operation) + " reply has no valid " + what);
}

// Signs and starts one call; `parse` turns a 2xx body into the result.
template <typename T>
Result<std::unique_ptr<HttpCall>> StartCall(
    const ControlPlaneTarget& target, const char* operation, const char* path,
    std::string body, std::function<Result<T>(const std::string&)> parse,
    ControlPlaneDone<T> done) {
  HttpRequest request;
  request.url = JoinUrl(target.endpoint_url, path);
  request.body = std::move(body);
  request.total_timeout_ms = target.api.completion_timeout_ms;
  request.transport = target.api.transport;
  request.headers = {{"Content-Type", "application/json"}};
  if (!target.api.user_agent.empty()) {
    request.headers.emplace_back("User-Agent", target.api.user_agent);
  }
  Status signed_ok = SignHttpRequest(&request, target.credentials,
                                     target.api.region, target.signing_time_ns);
  if (!signed_ok.ok()) return signed_ok;
  auto call =
      std::make_unique<HttpCall>(target.thread, std::move(request), operation);
  KVS_LOG_DEBUG("%s %s", operation, target.endpoint_url.c_str());
  SkewCorrectedClock* skew = target.api.skew;
  int64_t signed_at = target.signing_time_ns;
  call->Start(
      [operation, parse, done, skew, signed_at](Result<HttpResponse> response) {
        if (!response.ok()) return done(response.status());
        if (response->status < 200 || response->status >= 300) {
          // A corrected clock makes the caller's one retry (not-authorized
          // answers are retried once) sign with the right time.
          CorrectClockFromReply(skew, *response, signed_at);
          return done(ServiceError(*response, operation));
        }
        done(parse(response->body));
      });
  return call;
}

Result<StreamDescription> ParseDescription(const std::string& body) {
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject* root = ParseObject(parser, body);
  JsonNode* info_node =
      root ? json_object_get_member(root, "StreamInfo") : nullptr;
  if (info_node == nullptr || !JSON_NODE_HOLDS_OBJECT(info_node)) {
    return Malformed("DescribeStream", "StreamInfo");
  }
  JsonObject* info = json_node_get_object(info_node);
  StreamDescription d;
  d.stream_name = StringMember(info, "StreamName");
  d.stream_arn = StringMember(info, "StreamARN");
  d.status = StringMember(info, "Status");
  d.media_type = StringMember(info, "MediaType");
  d.kms_key_id = StringMember(info, "KmsKeyId");
  d.version = StringMember(info, "Version");
  d.device_name = StringMember(info, "DeviceName");
  d.data_retention_hours =
      json_object_get_int_member_with_default(info, "DataRetentionInHours", 0);
  if (d.status.empty()) return Malformed("DescribeStream", "Status");
  return d;
}

std::function<Result<std::string>(const std::string&)> StringField(
    const char* operation, const char* field) {
  return [operation, field](const std::string& body) -> Result<std::string> {
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject* root = ParseObject(parser, body);
    std::string value = root ? StringMember(root, field) : "";
    if (value.empty()) return Malformed(operation, field);
    return value;
  };
}

}  // namespace

Result<std::unique_ptr<HttpCall>> DescribeStream(
    const ControlPlaneTarget& target, const std::string& stream_name,
    ControlPlaneDone<StreamDescription> done) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  AddString(b, "StreamName", stream_name);
  json_builder_end_object(b);
  return StartCall<StreamDescription>(target, "DescribeStream",
                                      "/describeStream", ToJson(b),
                                      &ParseDescription, std::move(done));
}

Result<std::unique_ptr<HttpCall>> CreateStream(
    const ControlPlaneTarget& target, const CreateStreamParams& params,
    ControlPlaneDone<std::string> done) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  if (!params.device_name.empty())
    AddString(b, "DeviceName", params.device_name);
  AddString(b, "StreamName", params.stream_name);
  if (!params.media_type.empty()) AddString(b, "MediaType", params.media_type);
  if (!params.kms_key_id.empty()) AddString(b, "KmsKeyId", params.kms_key_id);
  json_builder_set_member_name(b, "DataRetentionInHours");
  json_builder_add_int_value(b, params.data_retention_hours);
  if (!params.tags.empty()) AddTags(b, params.tags);
  json_builder_end_object(b);
  return StartCall<std::string>(
      target, "CreateStream", "/createStream", ToJson(b),
      StringField("CreateStream", "StreamARN"), std::move(done));
}

Result<std::unique_ptr<HttpCall>> TagStream(
    const ControlPlaneTarget& target, const std::string& stream_arn,
    const std::string& stream_name,
    const std::map<std::string, std::string>& tags,
    ControlPlaneDone<bool> done) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  if (!stream_arn.empty()) {
    AddString(b, "StreamARN", stream_arn);
  } else {
    AddString(b, "StreamName", stream_name);
  }
  AddTags(b, tags);
  json_builder_end_object(b);
  return StartCall<bool>(
      target, "TagStream", "/tagStream", ToJson(b),
      [](const std::string&) -> Result<bool> { return true; }, std::move(done));
}

Result<std::unique_ptr<HttpCall>> GetDataEndpoint(
    const ControlPlaneTarget& target, const std::string& stream_name,
    const std::string& api_name, ControlPlaneDone<std::string> done) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  AddString(b, "StreamName", stream_name);
  AddString(b, "APIName", api_name);
  json_builder_end_object(b);
  return StartCall<std::string>(
      target, "GetDataEndpoint", "/getDataEndpoint", ToJson(b),
      StringField("GetDataEndpoint", "DataEndpoint"), std::move(done));
}

}  // namespace kvs
