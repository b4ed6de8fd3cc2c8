#include "kvscore/codec/parameter_sets.h"

#include <algorithm>

#include "kvscore/codec/h264.h"
#include "kvscore/codec/h265.h"
#include "kvscore/codec/nal.h"

namespace kvs {
namespace codec {
namespace {

// How many distinct sets are kept per list: the number of ids the standard
// allows (H.264 7.4.2.1.1/7.4.2.2: 32 SPS, but avcC holds 31; 256 PPS;
// H.265 7.4.3: 16 VPS, 16 SPS, 64 PPS). The cap also bounds the quadratic
// de-duplication on hostile input.
constexpr size_t kMaxH264Sps = 31;
constexpr size_t kMaxH264Pps = 256;
constexpr size_t kMaxH265Vps = 16;
constexpr size_t kMaxH265Sps = 16;
constexpr size_t kMaxH265Pps = 64;

void AddUnique(std::vector<std::vector<uint8_t>>* list, ByteSpan nal,
               size_t max) {
  const auto same = [&](const std::vector<uint8_t>& v) {
    return v.size() == nal.size && std::equal(v.begin(), v.end(), nal.begin());
  };
  if (list->size() < max && std::none_of(list->begin(), list->end(), same)) {
    list->push_back(nal.ToVector());
  }
}

void AddH264(ByteSpan nal, ParameterSets* sets) {
  const int type = h264::NalType(nal);
  if (type == h264::kSps) AddUnique(&sets->sps, nal, kMaxH264Sps);
  if (type == h264::kPps) AddUnique(&sets->pps, nal, kMaxH264Pps);
}

void AddH265(ByteSpan nal, ParameterSets* sets) {
  const int type = h265::NalType(nal);
  if (type == h265::kVps) AddUnique(&sets->vps, nal, kMaxH265Vps);
  if (type == h265::kSps) AddUnique(&sets->sps, nal, kMaxH265Sps);
  if (type == h265::kPps) AddUnique(&sets->pps, nal, kMaxH265Pps);
}

void ClassifyH264(ByteSpan nal, AccessUnitInfo* info) {
  const int type = h264::NalType(nal);
  info->idr |= h264::IsIdr(type);
  info->key_frame = info->idr;
  info->has_parameter_sets |= type == h264::kSps || type == h264::kPps;
  info->has_aud |= type == h264::kAud;
}

void ClassifyH265(ByteSpan nal, AccessUnitInfo* info) {
  const int type = h265::NalType(nal);
  info->key_frame |= h265::IsIrap(type);
  info->idr |= h265::IsIdr(type);
  info->cra |= h265::IsCra(type);
  info->rasl |= h265::IsRasl(type);
  info->has_parameter_sets |= h265::IsParameterSet(type);
  info->has_aud |= type == h265::kAud;
}

}  // namespace

Result<std::vector<ByteSpan>> SplitAccessUnit(ByteSpan au,
                                              int nal_length_size) {
  if (nal_length_size != kAnnexB) {
    return SplitLengthPrefixed(au, nal_length_size);
  }
  std::vector<ByteSpan> nals = SplitAnnexB(au);
  if (nals.empty() && !au.empty()) {
    return Status(StatusCode::kInvalidFrame,
                  "Annex-B access unit without a start code");
  }
  return nals;
}

bool ParameterSets::Complete(VideoCodec codec) const {
  const bool vps_ok = codec == VideoCodec::kH264 || !vps.empty();
  return vps_ok && !sps.empty() && !pps.empty();
}

Result<ParameterSets> FindParameterSets(VideoCodec codec, ByteSpan au,
                                        int nal_length_size) {
  Result<std::vector<ByteSpan>> nals = SplitAccessUnit(au, nal_length_size);
  if (!nals.ok()) return nals.status();
  ParameterSets sets;
  for (const ByteSpan& nal : *nals) {
    codec == VideoCodec::kH264 ? AddH264(nal, &sets) : AddH265(nal, &sets);
  }
  return sets;
}

Result<AccessUnitInfo> InspectAccessUnit(VideoCodec codec, ByteSpan au,
                                         int nal_length_size) {
  Result<std::vector<ByteSpan>> nals = SplitAccessUnit(au, nal_length_size);
  if (!nals.ok()) return nals.status();
  AccessUnitInfo info;
  info.nal_count = static_cast<int>(nals->size());
  for (const ByteSpan& nal : *nals) {
    codec == VideoCodec::kH264 ? ClassifyH264(nal, &info)
                               : ClassifyH265(nal, &info);
  }
  return info;
}

Result<std::vector<uint8_t>> BuildCodecPrivateFromAccessUnit(
    VideoCodec codec, ByteSpan au, int nal_length_size,
    int out_nal_length_size) {
  Result<ParameterSets> sets = FindParameterSets(codec, au, nal_length_size);
  if (!sets.ok()) return sets.status();
  if (!sets->Complete(codec)) {
    return Status(StatusCode::kInvalidCodecData,
                  codec == VideoCodec::kH264
                      ? "access unit lacks an in-band SPS or PPS"
                      : "access unit lacks an in-band VPS, SPS or PPS");
  }
  if (codec == VideoCodec::kH264) {
    return BuildAvcC(sets->sps, sets->pps, out_nal_length_size);
  }
  return BuildHvcC(sets->vps, sets->sps, sets->pps, {}, out_nal_length_size);
}

}  // namespace codec
}  // namespace kvs
