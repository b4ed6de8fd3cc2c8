#include "kvscore/codec/aac.h"

#include "kvscore/codec/bit_reader.h"
#include "kvscore/codec/codec_util.h"

namespace kvs {
namespace codec {
namespace {

constexpr int kSampleRates[13] = {96000, 88200, 64000, 48000, 44100,
                                  32000, 24000, 22050, 16000, 12000,
                                  11025, 8000,  7350};
constexpr int kMaxExplicitRate = 0xffffff;
constexpr uint32_t kSyncExtensionSbr = 0x2b7;
constexpr uint32_t kSyncExtensionPs = 0x548;
constexpr int kErBsac = 22;

Status Invalid(const std::string& what) {
  return Status(StatusCode::kInvalidCodecData, "AudioSpecificConfig: " + what);
}

// GetAudioObjectType() (14496-3 1.6.2.1.1).
int ReadObjectType(BitReader& br) {
  const int aot = static_cast<int>(br.Bits(5));
  return aot == 31 ? 32 + static_cast<int>(br.Bits(6)) : aot;
}

// samplingFrequencyIndex and, for index 15, the explicit 24-bit rate.
Result<int> ReadSampleRate(BitReader& br, int* index) {
  *index = static_cast<int>(br.Bits(4));
  const int rate = *index == 15 ? static_cast<int>(br.Bits(24))
                                : AacSampleRateForIndex(*index);
  if (!br.ok()) return br.status("AudioSpecificConfig sampling frequency");
  if (rate == 0) {
    return Invalid(*index == 15 ? "explicit sampling frequency 0"
                                : "reserved sampling frequency index " +
                                      std::to_string(*index));
  }
  return rate;
}

// Channel count of channelConfiguration 1..14 (14496-3 Table 1.19, with
// the configurations 11..14 of later amendments); 0 for reserved values.
int ChannelsForConfiguration(int config) {
  constexpr int kChannels[16] = {0, 1, 2, 3, 4, 5,  6, 8,
                                 0, 0, 0, 7, 8, 24, 8, 0};
  return (config >= 0 && config < 16) ? kChannels[config] : 0;
}

// Reads `count` channel elements of a PCE; each counts 1 channel, or 2 when
// `cpe_flag` elements carry is_cpe set.
int ReadPceElements(BitReader& br, uint32_t count, bool cpe_flag) {
  int channels = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const bool is_cpe = cpe_flag && br.Flag();
    br.Skip(4);  // element_tag_select
    channels += is_cpe ? 2 : 1;
  }
  return channels;
}

// program_config_element() (14496-3 4.4.1.1), returning its channel count.
// The ASC starts byte-aligned, so byte_alignment() aligns the reader.
Result<int> ReadProgramConfig(BitReader& br) {
  br.Skip(4 + 2 + 4);  // element_instance_tag, object_type, sf index
  const uint32_t front = br.Bits(4), side = br.Bits(4), back = br.Bits(4);
  const uint32_t lfe = br.Bits(2), assoc = br.Bits(3), cc = br.Bits(4);
  if (br.Flag()) br.Skip(4);  // mono_mixdown
  if (br.Flag()) br.Skip(4);  // stereo_mixdown
  if (br.Flag()) br.Skip(3);  // matrix_mixdown_idx, pseudo_surround
  int channels = ReadPceElements(br, front, true) +
                 ReadPceElements(br, side, true) +
                 ReadPceElements(br, back, true);
  channels += ReadPceElements(br, lfe, false);
  ReadPceElements(br, assoc, false);  // data elements carry no channels
  br.Skip(5 * cc);                    // cc_element_is_ind_sw + tag
  br.AlignToByte();
  br.Skip(8 * br.Bits(8));  // comment_field_bytes and the comment
  KVS_RETURN_IF_ERROR(br.status("AudioSpecificConfig program_config_element"));
  if (channels == 0) return Invalid("program_config_element has no channels");
  return channels;
}

bool IsGeneralAudio(int aot) {
  switch (aot) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 6:
    case 7:
    case 17:
    case 19:
    case 20:
    case 21:
    case 22:
    case 23:
      return true;
    default:
      return false;
  }
}

// GASpecificConfig() (14496-3 4.4.1) and the epConfig that follows it.
Status ReadGaSpecificConfig(BitReader& br, AacConfig* c) {
  c->frame_length_960 = br.Flag();
  if (br.Flag()) br.Skip(14);  // dependsOnCoreCoder: coreCoderDelay
  const bool extension_flag = br.Flag();
  if (c->channel_configuration == 0) {
    Result<int> channels = ReadProgramConfig(br);
    if (!channels.ok()) return channels.status();
    c->core_channels = *channels;
  }
  const int aot = c->object_type;
  if (aot == 6 || aot == 20) br.Skip(3);  // layerNr
  if (extension_flag) {
    if (aot == kErBsac) br.Skip(5 + 11);  // numOfSubFrame, layer_length
    if (aot == 17 || aot == 19 || aot == 20 || aot == 23) br.Skip(3);
    br.Skip(1);  // extensionFlag3
  }
  if (aot >= 17 && aot != 29) {  // ER object types carry epConfig.
    const uint32_t ep_config = br.Bits(2);
    if (ep_config >= 2) return Invalid("epConfig 2/3 is not supported");
  }
  c->specific_config_parsed = true;
  return br.status("AudioSpecificConfig GASpecificConfig");
}

// The backward-compatible extension after the core config (1.6.2.1,
// `if (extensionAudioObjectType != 5 && bits_to_decode() >= 16)`).
Status ReadSyncExtension(BitReader& br, AacConfig* c) {
  if (br.bits_left() < 16 || br.Bits(11) != kSyncExtensionSbr) {
    return Status::Ok();
  }
  const int ext_aot = ReadObjectType(br);
  if (ext_aot != kAacSbr && ext_aot != kErBsac) return br.status("ASC");
  c->sbr = br.Flag() ? AacFlag::kPresent : AacFlag::kAbsent;
  if (c->sbr != AacFlag::kPresent) return br.status("ASC SBR extension");
  c->signalling = AacSignalling::kBackwardCompatible;
  int ext_index = 0;
  Result<int> ext_rate = ReadSampleRate(br, &ext_index);
  if (!ext_rate.ok()) return ext_rate.status();
  c->extension_sample_rate = *ext_rate;
  if (ext_aot == kErBsac) {
    br.Skip(4);  // extensionChannelConfiguration
  } else if (br.bits_left() >= 12 && br.Bits(11) == kSyncExtensionPs) {
    c->ps = br.Flag() ? AacFlag::kPresent : AacFlag::kAbsent;
  }
  return br.status("AudioSpecificConfig sync extension");
}

// Reads the leading fields and, for AOT 5/29, the hierarchical signalling.
Status ReadCoreFields(BitReader& br, AacConfig* c) {
  c->object_type = ReadObjectType(br);
  Result<int> rate = ReadSampleRate(br, &c->frequency_index);
  if (!rate.ok()) return rate.status();
  c->core_sample_rate = *rate;
  c->channel_configuration = static_cast<int>(br.Bits(4));
  if (c->object_type == kAacSbr || c->object_type == kAacPs) {
    c->signalling = AacSignalling::kHierarchical;
    c->sbr = AacFlag::kPresent;
    if (c->object_type == kAacPs) c->ps = AacFlag::kPresent;
    int ext_index = 0;
    Result<int> ext_rate = ReadSampleRate(br, &ext_index);
    if (!ext_rate.ok()) return ext_rate.status();
    c->extension_sample_rate = *ext_rate;
    c->object_type = ReadObjectType(br);
    if (c->object_type == kErBsac) br.Skip(4);  // extensionChannelConfig
  }
  KVS_RETURN_IF_ERROR(br.status("AudioSpecificConfig"));
  if (c->channel_configuration != 0) {
    c->core_channels = ChannelsForConfiguration(c->channel_configuration);
    if (c->core_channels == 0) {
      return Invalid("reserved channelConfiguration " +
                     std::to_string(c->channel_configuration));
    }
  }
  return Status::Ok();
}

void SetOutput(AacConfig* c) {
  const bool sbr = c->sbr == AacFlag::kPresent;
  c->output_sample_rate = sbr ? c->extension_sample_rate : c->core_sample_rate;
  const bool ps = c->ps == AacFlag::kPresent && c->core_channels == 1;
  c->output_channels = ps ? 2 : c->core_channels;
}

}  // namespace

int AacSampleRateForIndex(int index) {
  return (index >= 0 && index < 13) ? kSampleRates[index] : 0;
}

int AacIndexForSampleRate(int sample_rate_hz) {
  for (int i = 0; i < 13; ++i) {
    if (kSampleRates[i] == sample_rate_hz) return i;
  }
  return -1;
}

Result<AacConfig> ParseAudioSpecificConfig(ByteSpan asc) {
  BitReader br(asc);
  AacConfig config;
  KVS_RETURN_IF_ERROR(ReadCoreFields(br, &config));
  if (IsGeneralAudio(config.object_type)) {
    KVS_RETURN_IF_ERROR(ReadGaSpecificConfig(br, &config));
    if (config.signalling != AacSignalling::kHierarchical) {
      KVS_RETURN_IF_ERROR(ReadSyncExtension(br, &config));
    }
  } else if (config.channel_configuration == 0) {
    return Invalid("channelConfiguration 0 for object type " +
                   std::to_string(config.object_type) +
                   " (no parsable program_config_element)");
  }
  SetOutput(&config);
  return config;
}

Result<std::vector<uint8_t>> BuildAudioSpecificConfig(int sample_rate_hz,
                                                      int channels) {
  if (sample_rate_hz <= 0 || sample_rate_hz > kMaxExplicitRate) {
    return Status(StatusCode::kInvalidArgument,
                  "AAC sample rate " + std::to_string(sample_rate_hz) +
                      " Hz out of range");
  }
  int config = (channels >= 1 && channels <= 6) ? channels : -1;
  if (channels == 8) config = 7;
  if (config < 0) {
    return Status(StatusCode::kInvalidArgument,
                  "AAC-LC with " + std::to_string(channels) +
                      " channels has no channelConfiguration");
  }
  const int index = AacIndexForSampleRate(sample_rate_hz);
  // Bits: AOT(5) index(4) [rate(24)] config(4) GASpecificConfig 000.
  uint64_t bits = kAacLc;
  int nbits = 5;
  bits = (bits << 4) | (index < 0 ? 15 : index);
  nbits += 4;
  if (index < 0) {
    bits = (bits << 24) | static_cast<uint64_t>(sample_rate_hz);
    nbits += 24;
  }
  bits = (bits << 7) | (static_cast<uint64_t>(config) << 3);
  nbits += 7;
  const int bytes = (nbits + 7) / 8;
  bits <<= (8 * bytes - nbits);
  std::vector<uint8_t> out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back((bits >> (8 * i)) & 0xff);
  return out;
}

std::string AacProfileName(const AacConfig& config) {
  if (config.ps == AacFlag::kPresent) return "HE-AAC v2";
  if (config.sbr == AacFlag::kPresent) return "HE-AAC";
  switch (config.object_type) {
    case kAacMain:
      return "AAC Main";
    case kAacLc:
      return "AAC LC";
    case kAacSsr:
      return "AAC SSR";
    case kAacLtp:
      return "AAC LTP";
    default:
      return "AAC (object type " + std::to_string(config.object_type) + ")";
  }
}

}  // namespace codec
}  // namespace kvs
