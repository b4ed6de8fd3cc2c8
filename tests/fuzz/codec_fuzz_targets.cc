#include "tests/fuzz/codec_fuzz_targets.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kvscore/codec/aac.h"
#include "kvscore/codec/bit_reader.h"
#include "kvscore/codec/g711.h"
#include "kvscore/codec/h264.h"
#include "kvscore/codec/h265.h"
#include "kvscore/codec/nal.h"
#include "kvscore/codec/parameter_sets.h"
#include "kvscore/codec/track_params.h"

namespace kvs_fuzz {
namespace {

using kvs::ByteSpan;
using kvs::Result;
using namespace kvs::codec;  // NOLINT: test driver

#define FUZZ_CHECK(cond)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                  \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

void CheckVideoParams(const Result<VideoTrackParams>& p) {
  if (!p.ok()) return;
  FUZZ_CHECK(p->width > 0 && p->width <= p->coded_width);
  FUZZ_CHECK(p->height > 0 && p->height <= p->coded_height);
  FUZZ_CHECK(p->coded_width <= 32768 && p->coded_height <= 32768);
  FUZZ_CHECK(IsValidNalLengthSize(p->nal_length_size));
}

}  // namespace

int FuzzAvcC(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  Result<AvcConfig> config = ParseAvcC(in);
  CheckVideoParams(DescribeAvcC(in));
  if (!config.ok()) return 0;
  FUZZ_CHECK(IsValidNalLengthSize(config->nal_length_size));
  for (const auto& sps : config->sps) ParseH264Sps(sps);
  Result<std::vector<uint8_t>> built =
      BuildAvcC(config->sps, config->pps, config->nal_length_size);
  if (!built.ok()) return 0;
  Result<AvcConfig> again = ParseAvcC(*built);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->sps == config->sps && again->pps == config->pps);
  FUZZ_CHECK(again->nal_length_size == config->nal_length_size);
  return 0;
}

int FuzzHvcC(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  Result<HvcConfig> config = ParseHvcC(in);
  CheckVideoParams(DescribeHvcC(in));
  if (!config.ok()) return 0;
  const auto vps = config->NalUnitsOfType(h265::kVps);
  const auto sps = config->NalUnitsOfType(h265::kSps);
  const auto pps = config->NalUnitsOfType(h265::kPps);
  Result<std::vector<uint8_t>> built =
      BuildHvcC(vps, sps, pps, {}, config->nal_length_size);
  if (!built.ok()) return 0;
  Result<HvcConfig> again = ParseHvcC(*built);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->NalUnitsOfType(h265::kVps) == vps);
  FUZZ_CHECK(again->NalUnitsOfType(h265::kSps) == sps);
  FUZZ_CHECK(again->NalUnitsOfType(h265::kPps) == pps);
  FUZZ_CHECK(DescribeHvcC(*built).ok());
  return 0;
}

int FuzzAudioSpecificConfig(const uint8_t* data, size_t size) {
  Result<AacConfig> config = ParseAudioSpecificConfig(ByteSpan(data, size));
  DescribeAac(ByteSpan(data, size));
  if (!config.ok()) return 0;
  FUZZ_CHECK(config->core_sample_rate > 0 && config->output_sample_rate > 0);
  FUZZ_CHECK(config->core_channels > 0 && config->output_channels > 0);
  FUZZ_CHECK(config->output_channels >= config->core_channels);
  if (config->object_type != kAacLc || config->sbr == AacFlag::kPresent ||
      config->ps == AacFlag::kPresent || config->channel_configuration == 0) {
    return 0;
  }
  // An LC config rebuilds to one with the same rate and channels.
  Result<std::vector<uint8_t>> built =
      BuildAudioSpecificConfig(config->core_sample_rate, config->core_channels);
  if (!built.ok()) return 0;
  Result<AacConfig> again = ParseAudioSpecificConfig(*built);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->core_sample_rate == config->core_sample_rate);
  FUZZ_CHECK(again->core_channels == config->core_channels);
  return 0;
}

int FuzzH264Sps(const uint8_t* data, size_t size) {
  std::vector<uint8_t> nal = {0x67};
  nal.insert(nal.end(), data, data + size);
  Result<H264SpsInfo> sps = ParseH264Sps(nal);
  // Emulation prevention round-trips for any payload.
  FUZZ_CHECK(UnescapeRbsp(EscapeRbsp(ByteSpan(data, size))) ==
             std::vector<uint8_t>(data, data + size));
  if (!sps.ok()) return 0;
  FUZZ_CHECK(sps->width > 0 && sps->width <= sps->coded_width);
  FUZZ_CHECK(sps->height > 0 && sps->height <= sps->coded_height);
  FUZZ_CHECK(sps->bit_depth_luma >= 8 && sps->bit_depth_luma <= 14);
  return 0;
}

int FuzzH265Sps(const uint8_t* data, size_t size) {
  std::vector<uint8_t> nal = {0x42, 0x01};
  nal.insert(nal.end(), data, data + size);
  Result<H265SpsInfo> sps = ParseH265Sps(nal);
  nal[0] = 0x40;  // the same payload as a VPS
  Result<H265VpsInfo> vps = ParseH265Vps(nal);
  if (vps.ok() && vps->has_timing) FUZZ_CHECK(vps->frame_rate_den > 0);
  if (!sps.ok()) return 0;
  FUZZ_CHECK(sps->width > 0 && sps->width <= sps->coded_width);
  FUZZ_CHECK(sps->height > 0 && sps->height <= sps->coded_height);
  FUZZ_CHECK(sps->bit_depth_luma >= 8 && sps->bit_depth_luma <= 16);
  return 0;
}

int FuzzInBand(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const VideoCodec codec =
      (data[0] & 1) ? VideoCodec::kH265 : VideoCodec::kH264;
  constexpr int kFramings[4] = {kAnnexB, 1, 2, 4};
  const int framing = kFramings[(data[0] >> 1) & 3];
  const ByteSpan au(data + 1, size - 1);
  InspectAccessUnit(codec, au, framing);
  Result<std::vector<uint8_t>> cpd =
      BuildCodecPrivateFromAccessUnit(codec, au, framing);
  if (cpd.ok()) {
    // A CodecPrivate we built must describe a track.
    const auto p =
        codec == VideoCodec::kH264 ? DescribeAvcC(*cpd) : DescribeHvcC(*cpd);
    FUZZ_CHECK(p.ok());
    CheckVideoParams(p);
  }
  if (framing == kAnnexB) {
    Result<std::vector<uint8_t>> lp = AnnexBToLengthPrefixed(au, 4);
    if (lp.ok()) {
      auto nals = SplitLengthPrefixed(*lp, 4);
      FUZZ_CHECK(nals.ok() && nals->size() == SplitAnnexB(au).size());
    }
  }
  return 0;
}

int FuzzWaveFormatEx(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  Result<AudioTrackParams> p = DescribeWaveFormatEx(in);
  if (p.ok()) FUZZ_CHECK(p->bit_depth == 8 && p->channels >= 1);
  if (size < 5) return 0;
  const G711Law law = (data[0] & 1) ? G711Law::kMuLaw : G711Law::kALaw;
  const int rate = static_cast<int>(data[1] << 16 | data[2] << 8 | data[3]);
  Result<std::vector<uint8_t>> built = BuildWaveFormatEx(law, rate, data[4]);
  if (!built.ok()) return 0;
  Result<WaveFormatEx> w = ParseWaveFormatEx(*built);
  FUZZ_CHECK(w.ok() && w->samples_per_sec == static_cast<uint32_t>(rate));
  FUZZ_CHECK(w->avg_bytes_per_sec == w->samples_per_sec * w->channels);
  return 0;
}

const FuzzTarget kFuzzTargets[] = {
    {"avcc", FuzzAvcC},
    {"hvcc", FuzzHvcC},
    {"asc", FuzzAudioSpecificConfig},
    {"h264_sps", FuzzH264Sps},
    {"h265_sps", FuzzH265Sps},
    {"inband", FuzzInBand},
    {"wave", FuzzWaveFormatEx},
};
const size_t kNumFuzzTargets = sizeof(kFuzzTargets) / sizeof(kFuzzTargets[0]);

}  // namespace kvs_fuzz
