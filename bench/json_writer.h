// bench/json_writer.h: the little JSON the pusher prints (one object on
// stdout per run, read by bench/kvsbench/child.py).
#ifndef BENCH_JSON_WRITER_H_
#define BENCH_JSON_WRITER_H_

#include <gst/gst.h>

#include <cstdint>
#include <string>

namespace bench {

// `s` as a quoted JSON string.
std::string JsonString(const char* s);

// A GstStructure's fields as a JSON object: strings, integers, doubles and
// booleans; fields of other types become null.
std::string StructureJson(const GstStructure* s);

// Builds one JSON object, key by key, in order.
class JsonObject {
 public:
  void Raw(const char* key, const std::string& json_value);
  void Int(const char* key, int64_t v) { Raw(key, std::to_string(v)); }
  void Num(const char* key, double v);
  void Str(const char* key, const std::string& v) {
    Raw(key, JsonString(v.c_str()));
  }
  std::string Close() const { return (out_.empty() ? "{" : out_) + "}"; }

 private:
  std::string out_;
};

}  // namespace bench

#endif  // BENCH_JSON_WRITER_H_
