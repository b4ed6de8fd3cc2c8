// kvscore/net/ack_parser.h: incremental parser for PutMedia ACKs.
//
// While a PutMedia body uploads, KVS streams ACKs back on the response body:
// JSON objects, usually newline-separated, which may be split across reads
// at any byte (kvs-spec.md section 2 "Response"; Appendix A.2):
//
//   {"EventType":"BUFFERING","FragmentTimecode":1795262660292,
//    "FragmentNumber":"91343852333181432392682062607743920146264432001"}
//
// The parser is fed whatever bytes arrive and emits each complete ACK. It
// skips bytes between objects (whitespace, newlines), ignores unknown keys
// (e.g. "ErrorCode") and nested values, and accepts numbers or strings for
// FragmentTimecode, FragmentNumber and ErrorId, as AWS's parser does.
// FragmentNumber is kept as its decimal text: real ones have ~47 digits.
//
// Thread: one parser per PutMedia session, used on the network thread only.
#ifndef KVSCORE_NET_ACK_PARSER_H_
#define KVSCORE_NET_ACK_PARSER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

namespace kvs {

// PutMedia ACK EventType values (kvs-spec.md section 2; Appendix A.2).
enum class AckEventType {
  kBuffering,  // The first byte of the fragment arrived.
  kReceived,   // The whole fragment arrived.
  kPersisted,  // The fragment is durably stored.
  kError,      // The fragment was rejected; see error_id.
  kIdle,       // The connection is open but no data is flowing.
  kUnknown,    // An EventType this parser does not know (kept, not fatal).
};

// "BUFFERING", "RECEIVED", "PERSISTED", "ERROR", "IDLE" or "UNKNOWN".
const char* AckEventTypeName(AckEventType type);

struct FragmentAck {
  AckEventType type = AckEventType::kUnknown;
  // The fragment's Cluster timestamp as sent (ms); -1 when absent (IDLE).
  int64_t fragment_timecode = -1;
  // Decimal fragment number; empty when absent.
  std::string fragment_number;
  // ACK ErrorId (4000..5001) for kError; 0 otherwise.
  int error_id = 0;
};

// Parses one complete JSON object. Errors: kMalformedResponse when `json`
// is not a JSON object or lacks EventType.
Result<FragmentAck> ParseAckObject(std::string_view json);

class AckParser {
 public:
  // An object larger than this is malformed (AWS's limit is 1024 chars).
  static constexpr size_t kMaxObjectBytes = 64 * 1024;

  // Consumes all of `bytes`, appending each complete ACK to `acks`.
  // Returns the first error met (a malformed or oversized object, which is
  // skipped); parsing continues with the next object either way.
  Status Feed(ByteSpan bytes, std::vector<FragmentAck>* acks);

  // True while part of an object is buffered.
  bool in_object() const { return depth_ > 0; }

 private:
  std::string object_;  // The current object's text, from its '{'.
  int depth_ = 0;       // Nesting depth; 0 between objects.
  bool in_string_ = false;
  bool escaped_ = false;
  bool overflow_ = false;
};

}  // namespace kvs

#endif  // KVSCORE_NET_ACK_PARSER_H_
