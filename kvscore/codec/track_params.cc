#include "kvscore/codec/track_params.h"

#include "kvscore/codec/aac.h"
#include "kvscore/codec/h264.h"
#include "kvscore/codec/h265.h"
#include "kvscore/codec/nal.h"

namespace kvs {
namespace codec {
namespace {

Status Missing(const char* what) {
  return Status(StatusCode::kInvalidCodecData, what);
}

std::string G711Description(G711Law law, int rate, int channels) {
  return std::string(law == G711Law::kALaw ? "G.711 A-law " : "G.711 mu-law ") +
         std::to_string(rate) + " Hz " + std::to_string(channels) + " ch";
}

}  // namespace

Result<VideoTrackParams> DescribeAvcC(ByteSpan avcc) {
  Result<AvcConfig> config = ParseAvcC(avcc);
  if (!config.ok()) return config.status();
  if (config->sps.empty() || config->pps.empty()) {
    return Missing("avcC without SPS or PPS");
  }
  Result<H264SpsInfo> sps = ParseH264Sps(config->sps.front());
  if (!sps.ok()) return sps.status();
  VideoTrackParams p;
  p.codec_id = kCodecIdH264;
  p.width = sps->width;
  p.height = sps->height;
  p.coded_width = sps->coded_width;
  p.coded_height = sps->coded_height;
  p.nal_length_size = config->nal_length_size;
  p.bit_depth = sps->bit_depth_luma;
  p.chroma_format_idc = sps->chroma_format_idc;
  p.frame_rate_num = sps->frame_rate_num;
  p.frame_rate_den = sps->frame_rate_den;
  p.description =
      "H.264 " + H264ProfileName(sps->profile_idc, sps->constraint_flags) +
      " L" +
      H264LevelName(sps->profile_idc, sps->constraint_flags, sps->level_idc);
  return p;
}

Result<VideoTrackParams> DescribeHvcC(ByteSpan hvcc) {
  Result<HvcConfig> config = ParseHvcC(hvcc);
  if (!config.ok()) return config.status();
  const auto sps_list = config->NalUnitsOfType(h265::kSps);
  if (config->NalUnitsOfType(h265::kVps).empty() || sps_list.empty() ||
      config->NalUnitsOfType(h265::kPps).empty()) {
    return Missing("hvcC without VPS, SPS or PPS");
  }
  Result<H265SpsInfo> sps = ParseH265Sps(sps_list.front());
  if (!sps.ok()) return sps.status();
  VideoTrackParams p;
  p.codec_id = kCodecIdH265;
  p.width = sps->width;
  p.height = sps->height;
  p.coded_width = sps->coded_width;
  p.coded_height = sps->coded_height;
  p.nal_length_size = config->nal_length_size;
  p.bit_depth = sps->bit_depth_luma;
  p.chroma_format_idc = sps->chroma_format_idc;
  // The frame-rate hint is optional: a VPS without timing, or one we cannot
  // read, leaves it 0/0.
  Result<H265VpsInfo> vps = ParseH265Vps(config->NalUnitsOfType(h265::kVps)[0]);
  if (vps.ok() && vps->has_timing) {
    p.frame_rate_num = vps->frame_rate_num;
    p.frame_rate_den = vps->frame_rate_den;
  }
  p.description = "H.265 " + H265ProfileName(sps->ptl) + " L" +
                  H265LevelName(sps->ptl.level_idc) +
                  (sps->ptl.tier_flag ? " High tier" : "");
  return p;
}

Result<AudioTrackParams> DescribeAac(ByteSpan asc) {
  Result<AacConfig> config = ParseAudioSpecificConfig(asc);
  if (!config.ok()) return config.status();
  AudioTrackParams p;
  p.codec_id = kCodecIdAac;
  p.sample_rate = config->output_sample_rate;
  p.channels = config->output_channels;
  p.core_sample_rate = config->core_sample_rate;
  p.core_channels = config->core_channels;
  p.implicit_sbr_possible = config->sbr == AacFlag::kUnknown &&
                            config->object_type == kAacLc &&
                            config->core_sample_rate <= 24000;
  p.description = AacProfileName(*config) + " " +
                  std::to_string(p.sample_rate) + " Hz " +
                  std::to_string(p.channels) + " ch";
  return p;
}

Result<AudioTrackParams> DescribeG711(G711Law law, int rate_hz, int channels) {
  Result<std::vector<uint8_t>> wave = BuildWaveFormatEx(law, rate_hz, channels);
  if (!wave.ok()) return wave.status();
  AudioTrackParams p;
  p.codec_id = kCodecIdG711;
  p.sample_rate = p.core_sample_rate = rate_hz;
  p.channels = p.core_channels = channels;
  p.bit_depth = 8;
  p.description = G711Description(law, rate_hz, channels);
  return p;
}

Result<AudioTrackParams> DescribeWaveFormatEx(ByteSpan wave_format) {
  Result<WaveFormatEx> w = ParseWaveFormatEx(wave_format);
  if (!w.ok()) return w.status();
  if (w->format_tag != kWaveFormatALaw && w->format_tag != kWaveFormatMuLaw) {
    return Status(StatusCode::kInvalidCodecData,
                  "WAVEFORMATEX tag " + std::to_string(w->format_tag) +
                      " is not G.711 (6 or 7)");
  }
  const G711Law law =
      w->format_tag == kWaveFormatALaw ? G711Law::kALaw : G711Law::kMuLaw;
  const bool rate_ok = w->samples_per_sec <= kG711MaxRateHz;
  Result<AudioTrackParams> p = DescribeG711(
      law, rate_ok ? static_cast<int>(w->samples_per_sec) : 0, w->channels);
  if (!p.ok())
    return Status(StatusCode::kInvalidCodecData, p.status().message());
  return p;
}

}  // namespace codec
}  // namespace kvs
