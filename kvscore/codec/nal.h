// kvscore/codec/nal.h: NAL unit framing and NAL unit types for H.264/H.265.
//
// Two framings carry NAL units in an access unit (kvs-spec.md section 6,
// "NAL adaptation"):
//   - Annex-B byte stream (ITU-T H.264 Annex B / H.265 Annex B): each NAL
//     unit follows a start code 00 00 01 (or 00 00 00 01, the zero_byte form).
//   - Length-prefixed ("AVCC"/"HVCC", ISO/IEC 14496-15 5.3.2 / 8.3.2): each
//     NAL unit follows its size as a big-endian integer of nal_length_size
//     bytes (1, 2 or 4, from the avcC/hvcC lengthSizeMinusOne + 1).
//
// All functions are pure: they take bytes and return values. Returned
// ByteSpans point into the caller's input, which must outlive them. Safe to
// call from any thread.
#ifndef KVSCORE_CODEC_NAL_H_
#define KVSCORE_CODEC_NAL_H_

#include <cstdint>
#include <vector>

#include "kvscore/base/bytes.h"
#include "kvscore/base/status.h"

namespace kvs {
namespace codec {

// True for a valid nal_length_size: 1, 2 or 4 (14496-15 forbids 3).
bool IsValidNalLengthSize(int nal_length_size);

// Splits a length-prefixed access unit into its NAL units (views into `au`,
// without their length fields). Zero-length entries are skipped.
// Errors: kInvalidArgument for a bad nal_length_size; kInvalidFrame when a
// length field is cut off or a NAL unit runs past the end of `au`.
Result<std::vector<ByteSpan>> SplitLengthPrefixed(ByteSpan au,
                                                  int nal_length_size);

// True when `bytes` begins with a 3- or 4-byte Annex-B start code.
bool StartsWithStartCode(ByteSpan bytes);

// Splits an Annex-B byte stream into NAL units (views without start codes).
// Accepts 3- and 4-byte start codes; zero bytes before a start code
// (trailing_zero_8bits, the zero_byte of a 4-byte start code) are not part of
// the NAL unit before it. Bytes before the first start code are ignored, as
// are empty NAL units. Never fails: input with no start code yields {}.
std::vector<ByteSpan> SplitAnnexB(ByteSpan stream);

// Re-frames an Annex-B access unit as length-prefixed NAL units.
// Errors: kInvalidArgument for a bad nal_length_size; kInvalidFrame when the
// input holds no NAL unit or a NAL unit is too large for nal_length_size.
Result<std::vector<uint8_t>> AnnexBToLengthPrefixed(ByteSpan stream,
                                                    int nal_length_size = 4);

// Re-frames a length-prefixed access unit as Annex-B with 4-byte start codes.
// Errors as SplitLengthPrefixed.
Result<std::vector<uint8_t>> LengthPrefixedToAnnexB(ByteSpan au,
                                                    int nal_length_size);

// Writes `nals` length-prefixed with nal_length_size bytes each.
// Errors: kInvalidArgument for a bad size or a NAL unit that does not fit.
Result<std::vector<uint8_t>> JoinLengthPrefixed(
    const std::vector<ByteSpan>& nals, int nal_length_size);

// ---- H.264 NAL unit types (ITU-T H.264 Table 7-1). ----
namespace h264 {
constexpr int kNonIdrSlice = 1;
constexpr int kIdrSlice = 5;
constexpr int kSei = 6;
constexpr int kSps = 7;
constexpr int kPps = 8;
constexpr int kAud = 9;
constexpr int kEndOfSequence = 10;
constexpr int kEndOfStream = 11;
constexpr int kFillerData = 12;
constexpr int kSpsExtension = 13;
constexpr int kSubsetSps = 15;

// nal_unit_type of a NAL unit (low 5 bits of its first byte); -1 if empty.
int NalType(ByteSpan nal);
inline bool IsIdr(int type) { return type == kIdrSlice; }
// Any coded slice of a picture (types 1..5).
inline bool IsSlice(int type) { return type >= 1 && type <= 5; }
inline bool IsParameterSet(int type) {
  return type == kSps || type == kPps || type == kSpsExtension ||
         type == kSubsetSps;
}
}  // namespace h264

// ---- H.265 NAL unit types (ITU-T H.265 Table 7-1). ----
namespace h265 {
constexpr int kRaslN = 8;
constexpr int kRaslR = 9;
constexpr int kBlaWLp = 16;
constexpr int kBlaWRadl = 17;
constexpr int kBlaNLp = 18;
constexpr int kIdrWRadl = 19;
constexpr int kIdrNLp = 20;
constexpr int kCra = 21;
constexpr int kVps = 32;
constexpr int kSps = 33;
constexpr int kPps = 34;
constexpr int kAud = 35;
constexpr int kEndOfSequence = 36;
constexpr int kEndOfBitstream = 37;
constexpr int kFillerData = 38;
constexpr int kPrefixSei = 39;
constexpr int kSuffixSei = 40;

// nal_unit_type (bits 1..6 of the first byte); -1 if shorter than the 2-byte
// NAL unit header.
int NalType(ByteSpan nal);
// IRAP: BLA, IDR, CRA and the reserved IRAP types 22..23 (H.265 7.4.2.2).
inline bool IsIrap(int type) { return type >= kBlaWLp && type <= 23; }
inline bool IsIdr(int type) { return type == kIdrWRadl || type == kIdrNLp; }
inline bool IsCra(int type) { return type == kCra; }
inline bool IsBla(int type) { return type >= kBlaWLp && type <= kBlaNLp; }
// RASL pictures reference pictures before the IRAP (open GOP).
inline bool IsRasl(int type) { return type == kRaslN || type == kRaslR; }
// Coded slice segment of any picture (VCL types 0..31).
inline bool IsVcl(int type) { return type >= 0 && type <= 31; }
inline bool IsParameterSet(int type) { return type >= kVps && type <= kPps; }
inline bool IsSei(int type) { return type == kPrefixSei || type == kSuffixSei; }
}  // namespace h265

}  // namespace codec
}  // namespace kvs

#endif  // KVSCORE_CODEC_NAL_H_
