#include "kvscore/stream/track.h"

#include "kvscore/codec/g711.h"
#include "kvscore/codec/track_params.h"

namespace kvs {
namespace {

void CheckCaps(const char* what, int caps, int codec,
               std::vector<std::string>* warnings) {
  if (caps > 0 && codec > 0 && caps != codec) {
    warnings->push_back(std::string("caps ") + what + " " +
                        std::to_string(caps) + " disagrees with the codec " +
                        "data's " + std::to_string(codec) +
                        "; using the codec data's value");
  }
}

Status MissingCodecData(const TrackConfig& config) {
  return Status(StatusCode::kInvalidCodecData,
                std::string(TrackCodecName(config.codec)) +
                    " track has no codec_data in its caps; put a parser "
                    "before kvssink (h264parse, h265parse, aacparse)");
}

Result<TrackDescription> DescribeVideo(const TrackConfig& config) {
  if (config.codec_private.empty()) return MissingCodecData(config);
  Result<codec::VideoTrackParams> params =
      config.codec == TrackCodec::kH264
          ? codec::DescribeAvcC(config.codec_private)
          : codec::DescribeHvcC(config.codec_private);
  if (!params.ok()) return params.status();
  TrackDescription d;
  d.entry.type = mkv::TrackType::kVideo;
  d.entry.codec_id = params->codec_id;
  d.entry.pixel_width = static_cast<uint32_t>(params->width);
  d.entry.pixel_height = static_cast<uint32_t>(params->height);
  d.nal_length_size = params->nal_length_size;
  d.summary = params->description + " " + std::to_string(params->width) + "x" +
              std::to_string(params->height);
  CheckCaps("width", config.width, params->width, &d.warnings);
  CheckCaps("height", config.height, params->height, &d.warnings);
  return d;
}

Result<TrackDescription> DescribeAudio(const TrackConfig& config) {
  Result<codec::AudioTrackParams> params = Status();
  std::vector<uint8_t> codec_private = config.codec_private;
  if (config.codec == TrackCodec::kAac) {
    if (codec_private.empty()) return MissingCodecData(config);
    params = codec::DescribeAac(codec_private);
  } else {
    codec::G711Law law = config.codec == TrackCodec::kALaw
                             ? codec::G711Law::kALaw
                             : codec::G711Law::kMuLaw;
    Result<std::vector<uint8_t>> wave =
        codec::BuildWaveFormatEx(law, config.rate, config.channels);
    if (!wave.ok()) return wave.status();
    codec_private = std::move(wave).value();
    params = codec::DescribeG711(law, config.rate, config.channels);
  }
  if (!params.ok()) return params.status();
  TrackDescription d;
  d.entry.type = mkv::TrackType::kAudio;
  d.entry.codec_id = params->codec_id;
  d.entry.codec_private = std::move(codec_private);
  d.entry.sampling_frequency_hz = params->sample_rate;
  d.entry.channels = static_cast<uint32_t>(params->channels);
  d.entry.bit_depth = static_cast<uint32_t>(params->bit_depth);
  d.summary = params->description;
  if (config.codec == TrackCodec::kAac) {
    // Caps carry the rate a decoder outputs, or the core rate (aacparse).
    if (config.rate != params->sample_rate &&
        config.rate != params->core_sample_rate) {
      CheckCaps("rate", config.rate, params->sample_rate, &d.warnings);
    }
    if (config.channels != params->channels &&
        config.channels != params->core_channels) {
      CheckCaps("channels", config.channels, params->channels, &d.warnings);
    }
  }
  return d;
}

}  // namespace

const char* TrackCodecName(TrackCodec codec) {
  switch (codec) {
    case TrackCodec::kH264:
      return "h264";
    case TrackCodec::kH265:
      return "h265";
    case TrackCodec::kAac:
      return "aac";
    case TrackCodec::kALaw:
      return "alaw";
    case TrackCodec::kMuLaw:
      return "mulaw";
  }
  return "unknown";
}

bool IsVideo(TrackCodec codec) {
  return codec == TrackCodec::kH264 || codec == TrackCodec::kH265;
}

Result<TrackDescription> DescribeTrack(const TrackConfig& config) {
  Result<TrackDescription> d =
      IsVideo(config.codec) ? DescribeVideo(config) : DescribeAudio(config);
  if (!d.ok()) return d;
  mkv::TrackEntry& entry = d->entry;
  entry.number = config.number;
  entry.uid = config.number;
  if (IsVideo(config.codec)) entry.codec_private = config.codec_private;
  entry.name = !config.name.empty()    ? config.name
               : IsVideo(config.codec) ? "kinesis_video"
                                       : "audio";
  if (!config.codec_id.empty()) entry.codec_id = config.codec_id;
  return d;
}

}  // namespace kvs
