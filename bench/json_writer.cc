#include "bench/json_writer.h"

#include <cinttypes>
#include <cstdio>

namespace bench {
namespace {

std::string JsonValue(const GValue* v) {
  char buf[64];
  switch (G_VALUE_TYPE(v)) {
    case G_TYPE_STRING:
      return JsonString(g_value_get_string(v) ? g_value_get_string(v) : "");
    case G_TYPE_UINT64:
      snprintf(buf, sizeof buf, "%" PRIu64, g_value_get_uint64(v));
      return buf;
    case G_TYPE_INT64:
      snprintf(buf, sizeof buf, "%" PRId64, g_value_get_int64(v));
      return buf;
    case G_TYPE_INT:
      return std::to_string(g_value_get_int(v));
    case G_TYPE_UINT:
      return std::to_string(g_value_get_uint(v));
    case G_TYPE_BOOLEAN:
      return g_value_get_boolean(v) ? "true" : "false";
    case G_TYPE_DOUBLE:
      snprintf(buf, sizeof buf, "%.17g", g_value_get_double(v));
      return buf;
    default:
      return "null";
  }
}

}  // namespace

std::string JsonString(const char* s) {
  std::string out = "\"";
  for (const char* p = s; *p != '\0'; ++p) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += *p;
    } else if (c < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += *p;
    }
  }
  return out + "\"";
}

std::string StructureJson(const GstStructure* s) {
  std::string out = "{";
  for (int i = 0; i < gst_structure_n_fields(s); ++i) {
    const char* name = gst_structure_nth_field_name(s, i);
    if (i > 0) out += ",";
    out += JsonString(name) + ":" + JsonValue(gst_structure_get_value(s, name));
  }
  return out + "}";
}

void JsonObject::Raw(const char* key, const std::string& json_value) {
  out_ += (out_.empty() ? "{" : ",") + JsonString(key) + ":" + json_value;
}

void JsonObject::Num(const char* key, double v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.9g", v);
  Raw(key, buf);
}

}  // namespace bench
