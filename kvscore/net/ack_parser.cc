#include "kvscore/net/ack_parser.h"

#include <strings.h>

#include <cctype>
#include <cstdlib>

namespace kvs {
namespace {

Status Malformed(const std::string& why) {
  return Status(StatusCode::kMalformedResponse, "PutMedia ACK: " + why);
}

// A cursor over one JSON object's text. Only what ACKs need: a flat object
// whose values are strings, numbers or literals; nested values are skipped.
class JsonCursor {
 public:
  explicit JsonCursor(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() &&
           std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  char Peek() {
    SkipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  // Reads a string after its opening quote was seen; decodes simple escapes
  // (\uXXXX becomes '?': no ACK field needs non-ASCII).
  bool ReadString(std::string* out) {
    if (!Consume('"')) return false;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return false;
      char e = text_[pos_++];
      if (e == 'u') {
        if (pos_ + 4 > text_.size()) return false;
        pos_ += 4;
        out->push_back('?');
      } else {
        out->push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
      }
    }
    return false;
  }

  // Reads a scalar value's text (string contents, number or literal) or
  // skips a nested object/array, leaving `out` empty.
  bool ReadValue(std::string* out) {
    char c = Peek();
    if (c == '"') return ReadString(out);
    if (c == '{' || c == '[') return SkipNested();
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' &&
           !std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
    *out = std::string(text_.substr(start, pos_ - start));
    return !out->empty();
  }

 private:
  bool SkipNested() {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (; pos_ < text_.size(); ++pos_) {
      char c = text_[pos_];
      if (in_string) {
        escaped = !escaped && c == '\\';
        if (c == '"' && !escaped) in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        ++pos_;
        return true;
      }
    }
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

AckEventType EventTypeFromName(const std::string& name) {
  static const struct {
    const char* name;
    AckEventType type;
  } kTypes[] = {{"BUFFERING", AckEventType::kBuffering},
                {"RECEIVED", AckEventType::kReceived},
                {"PERSISTED", AckEventType::kPersisted},
                {"ERROR", AckEventType::kError},
                {"IDLE", AckEventType::kIdle}};
  for (const auto& t : kTypes) {
    if (strcasecmp(name.c_str(), t.name) == 0) return t.type;
  }
  return AckEventType::kUnknown;
}

bool ParseInt64(const std::string& text, int64_t* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0') return false;
  *out = v;
  return true;
}

Status ApplyField(const std::string& key, const std::string& value,
                  FragmentAck* ack, bool* has_type) {
  if (key == "EventType") {
    ack->type = EventTypeFromName(value);
    *has_type = true;
  } else if (key == "FragmentTimecode") {
    if (!ParseInt64(value, &ack->fragment_timecode)) {
      return Malformed("FragmentTimecode is not an integer");
    }
  } else if (key == "FragmentNumber") {
    ack->fragment_number = value;
  } else if (key == "ErrorId") {
    int64_t id = 0;
    if (!ParseInt64(value, &id)) return Malformed("ErrorId is not an integer");
    ack->error_id = static_cast<int>(id);
  }
  return Status::Ok();  // Unknown keys are ignored.
}

}  // namespace

const char* AckEventTypeName(AckEventType type) {
  switch (type) {
    case AckEventType::kBuffering:
      return "BUFFERING";
    case AckEventType::kReceived:
      return "RECEIVED";
    case AckEventType::kPersisted:
      return "PERSISTED";
    case AckEventType::kError:
      return "ERROR";
    case AckEventType::kIdle:
      return "IDLE";
    case AckEventType::kUnknown:
      break;
  }
  return "UNKNOWN";
}

Result<FragmentAck> ParseAckObject(std::string_view json) {
  JsonCursor cursor(json);
  if (!cursor.Consume('{')) return Malformed("not a JSON object");
  FragmentAck ack;
  bool has_type = false;
  if (!cursor.Consume('}')) {
    do {
      std::string key, value;
      if (!cursor.ReadString(&key) || !cursor.Consume(':') ||
          !cursor.ReadValue(&value)) {
        return Malformed("bad key or value");
      }
      KVS_RETURN_IF_ERROR(ApplyField(key, value, &ack, &has_type));
    } while (cursor.Consume(','));
    if (!cursor.Consume('}')) return Malformed("missing '}'");
  }
  if (!has_type) return Malformed("no EventType");
  return ack;
}

Status AckParser::Feed(ByteSpan bytes, std::vector<FragmentAck>* acks) {
  Status first_error;
  for (uint8_t byte : bytes) {
    char c = static_cast<char>(byte);
    if (depth_ == 0) {
      if (c != '{') continue;  // Whitespace or junk between objects.
      object_.clear();
      overflow_ = false;
    }
    if (!overflow_) object_.push_back(c);
    if (object_.size() > kMaxObjectBytes) overflow_ = true;
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if ((c == '}' || c == ']') && --depth_ == 0) {
      Result<FragmentAck> ack =
          overflow_ ? Result<FragmentAck>(Malformed("object too large"))
                    : ParseAckObject(object_);
      if (ack.ok()) {
        acks->push_back(std::move(ack).value());
      } else if (first_error.ok()) {
        first_error = ack.status();
      }
      object_.clear();
    }
  }
  return first_error;
}

}  // namespace kvs
