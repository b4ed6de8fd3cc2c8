// kvscore/mkv/ebml.h: EBML primitives (RFC 8794) and the Matroska element
// IDs (RFC 9559) that kvssink writes.
//
// Pure functions: they append bytes to a caller-owned std::vector and never
// seek back. Master elements are written by serialising their children
// first (they are small: headers, tags) and then appending ID, size and
// children. Segment and Cluster use the unknown size (a 1-byte all-ones
// VINT, 0xFF), as AWS's producer does (upstream-kvssink.md B.7), so a
// fragment can be streamed before its length is known.
//
// Integers are written in the fewest bytes that hold them (RFC 8794
// section 7.1), except where a caller asks for a fixed width.
#ifndef KVSCORE_MKV_EBML_H_
#define KVSCORE_MKV_EBML_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "kvscore/base/bytes.h"

namespace kvs {
namespace mkv {

// Element IDs, with their class-marker bits, as they appear on the wire.
enum ElementId : uint32_t {
  // EBML header (RFC 8794 section 11.2).
  kEbml = 0x1A45DFA3,
  kEbmlVersion = 0x4286,
  kEbmlReadVersion = 0x42F7,
  kEbmlMaxIdLength = 0x42F2,
  kEbmlMaxSizeLength = 0x42F3,
  kDocType = 0x4282,
  kDocTypeVersion = 0x4287,
  kDocTypeReadVersion = 0x4285,
  // Matroska (RFC 9559 section 5.1).
  kSegment = 0x18538067,
  kInfo = 0x1549A966,
  kSegmentUid = 0x73A4,
  kTimestampScale = 0x2AD7B1,  // "TimecodeScale" in older drafts.
  kTitle = 0x7BA9,
  kMuxingApp = 0x4D80,
  kWritingApp = 0x5741,
  kTracks = 0x1654AE6B,
  kTrackEntry = 0xAE,
  kTrackNumber = 0xD7,
  kTrackUid = 0x73C5,
  kTrackType = 0x83,
  kFlagLacing = 0x9C,
  kName = 0x536E,
  kCodecId = 0x86,
  kCodecPrivate = 0x63A2,
  kVideo = 0xE0,
  kPixelWidth = 0xB0,
  kPixelHeight = 0xBA,
  kAudio = 0xE1,
  kSamplingFrequency = 0xB5,
  kChannels = 0x9F,
  kBitDepth = 0x6264,
  kCluster = 0x1F43B675,
  kTimestamp = 0xE7,  // Cluster "Timecode".
  kSimpleBlock = 0xA3,
  kTags = 0x1254C367,
  kTag = 0x7373,
  kSimpleTag = 0x67C8,
  kTagName = 0x45A3,
  kTagString = 0x4487,
};

// Largest value a VINT size can hold: 2^56 - 2 (all-ones is "unknown").
constexpr uint64_t kMaxVintValue = (uint64_t{1} << 56) - 2;

// Number of bytes of the shortest VINT that holds `value` (1..8).
// `value` must not exceed kMaxVintValue.
int VintLength(uint64_t value);

// Appends `id` as its 1-4 wire bytes (IDs already carry their marker bits).
void AppendId(std::vector<uint8_t>* out, uint32_t id);

// Appends `size` as the shortest VINT; `min_length` forces a wider one
// (1..8), e.g. to keep a field's width constant.
void AppendSize(std::vector<uint8_t>* out, uint64_t size, int min_length = 1);

// Appends the 1-byte unknown-size VINT (0xFF).
void AppendUnknownSize(std::vector<uint8_t>* out);

// Unsigned integer element in the fewest bytes (0 is written as one 0x00
// byte for maximum reader compatibility).
void AppendUint(std::vector<uint8_t>* out, uint32_t id, uint64_t value);

// 8-byte IEEE 754 double, big-endian (RFC 8794 section 7.3).
void AppendFloat(std::vector<uint8_t>* out, uint32_t id, double value);

// String / UTF-8 element; no terminating NUL is written.
void AppendString(std::vector<uint8_t>* out, uint32_t id,
                  std::string_view value);

// Binary element.
void AppendBinary(std::vector<uint8_t>* out, uint32_t id, ByteSpan value);

// Master element of known size: ID, size of `children`, then `children`.
void AppendMaster(std::vector<uint8_t>* out, uint32_t id,
                  const std::vector<uint8_t>& children);

}  // namespace mkv
}  // namespace kvs

#endif  // KVSCORE_MKV_EBML_H_
