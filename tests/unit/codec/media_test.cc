// Codec private data from the real files in shared/media, checked against
// the facts in shared/media/README.md. Media is read at test time, never
// copied into the repository.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "kvscore/codec/aac.h"
#include "kvscore/codec/g711.h"
#include "kvscore/codec/h264.h"
#include "kvscore/codec/h265.h"
#include "kvscore/codec/nal.h"
#include "kvscore/codec/parameter_sets.h"
#include "kvscore/codec/track_params.h"
#include "tests/unit/codec/mp4_boxes.h"
#include "tests/unit/codec/stream_probe.h"
#include "tests/unit/test_support.h"

namespace kvs {
namespace codec {
namespace {

using kvs_test::FromHex;
using kvs_test::Mp4Track;
using kvs_test::ReadFileBytes;
using kvs_test::ReadFileText;
using kvs_test::SharedDir;

std::string Media(const std::string& name) {
  return SharedDir() + "/media/" + name;
}

std::vector<Mp4Track> Tracks(const std::string& name) {
  return kvs_test::ReadMp4Tracks(ReadFileBytes(Media(name)));
}

// The first track with an avcC or hvcC, or an empty track.
Mp4Track FirstVideoTrack(const std::string& name) {
  for (Mp4Track& t : Tracks(name)) {
    if (t.config_box == "avcC" || t.config_box == "hvcC") return t;
  }
  ADD_FAILURE() << name << " has no avcC/hvcC track";
  return Mp4Track();
}

// One frame of a kvs_* Annex-B file, sliced with its index CSV.
struct IndexedFrame {
  size_t offset = 0;
  size_t size = 0;
  bool key = false;
  std::string nal_types;  // "9|7|8|6|5"
};

std::vector<IndexedFrame> ReadIndex(const std::string& csv_name) {
  std::istringstream in(ReadFileText(Media(csv_name)));
  std::string line;
  std::getline(in, line);  // header
  std::vector<IndexedFrame> frames;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::istringstream fields(line);
    for (std::string col; std::getline(fields, col, ',');) cols.push_back(col);
    if (cols.size() < 6) continue;
    frames.push_back(
        {std::stoul(cols[2]), std::stoul(cols[3]), cols[4] == "1", cols[5]});
  }
  return frames;
}

struct VideoCase {
  const char* file;
  const char* entry;  // sample entry type
  int width, height, nal_length_size, bit_depth;
  const char* description;
};

class Mp4VideoTest : public testing::TestWithParam<VideoCase> {};

TEST_P(Mp4VideoTest, CodecPrivateDescribesTheTrack) {
  const VideoCase& c = GetParam();
  const Mp4Track t = FirstVideoTrack(c.file);
  EXPECT_EQ(t.sample_entry, c.entry);
  const bool hevc = t.config_box == "hvcC";
  Result<VideoTrackParams> p =
      hevc ? DescribeHvcC(t.config) : DescribeAvcC(t.config);
  ASSERT_TRUE(p.ok()) << c.file << ": " << p.status().ToString();
  EXPECT_EQ(p->width, c.width);
  EXPECT_EQ(p->height, c.height);
  EXPECT_EQ(p->nal_length_size, c.nal_length_size);
  EXPECT_EQ(p->bit_depth, c.bit_depth);
  EXPECT_EQ(p->description, c.description);
  EXPECT_STREQ(p->codec_id, hevc ? kCodecIdH265 : kCodecIdH264);
  // The SPS's display size agrees with the sample entry's.
  EXPECT_EQ(p->width, t.entry_width);
  EXPECT_EQ(p->height, t.entry_height);
}

// The first sample of each track is length-prefixed with the avcC/hvcC
// size, and is a key frame.
TEST_P(Mp4VideoTest, FirstSampleSplitsAndIsKeyFrame) {
  const VideoCase& c = GetParam();
  const Mp4Track t = FirstVideoTrack(c.file);
  ASSERT_FALSE(t.first_sample.empty());
  const VideoCodec codec =
      t.config_box == "hvcC" ? VideoCodec::kH265 : VideoCodec::kH264;
  Result<AccessUnitInfo> info =
      InspectAccessUnit(codec, t.first_sample, c.nal_length_size);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->key_frame);
  EXPECT_GT(info->nal_count, 0);
  // Cut one byte short, the last NAL unit overruns the access unit.
  const ByteSpan cut(t.first_sample.data(), t.first_sample.size() - 1);
  EXPECT_EQ(InspectAccessUnit(codec, cut, c.nal_length_size).status().code(),
            StatusCode::kInvalidFrame);
}

// Rebuilding the record from its own parameter sets gives the same sets,
// profile and level, and describes the same track.
TEST_P(Mp4VideoTest, RebuildFromParameterSets) {
  const VideoCase& c = GetParam();
  const Mp4Track t = FirstVideoTrack(c.file);
  if (t.config_box == "avcC") {
    Result<AvcConfig> config = ParseAvcC(t.config);
    ASSERT_TRUE(config.ok());
    Result<std::vector<uint8_t>> rebuilt =
        BuildAvcC(config->sps, config->pps, config->nal_length_size);
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
    Result<AvcConfig> again = ParseAvcC(*rebuilt);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->sps, config->sps);
    EXPECT_EQ(again->pps, config->pps);
    EXPECT_EQ(again->profile_idc, config->profile_idc);
    EXPECT_EQ(again->level_idc, config->level_idc);
    EXPECT_EQ(again->nal_length_size, config->nal_length_size);
  } else {
    Result<HvcConfig> config = ParseHvcC(t.config);
    ASSERT_TRUE(config.ok());
    Result<std::vector<uint8_t>> rebuilt = BuildHvcC(
        config->NalUnitsOfType(h265::kVps), config->NalUnitsOfType(h265::kSps),
        config->NalUnitsOfType(h265::kPps), {}, config->nal_length_size);
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
    Result<HvcConfig> again = ParseHvcC(*rebuilt);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->ptl.profile_idc, config->ptl.profile_idc);
    EXPECT_EQ(again->ptl.profile_compatibility_flags,
              config->ptl.profile_compatibility_flags);
    EXPECT_EQ(again->ptl.constraint_indicator_flags,
              config->ptl.constraint_indicator_flags);
    EXPECT_EQ(again->ptl.level_idc, config->ptl.level_idc);
    // The rebuilt header takes chroma format and bit depth from the SPS.
    Result<H265SpsInfo> sps =
        ParseH265Sps(config->NalUnitsOfType(h265::kSps).front());
    ASSERT_TRUE(sps.ok());
    EXPECT_EQ(again->chroma_format, sps->chroma_format_idc);
    EXPECT_EQ(again->bit_depth_luma, sps->bit_depth_luma);
    EXPECT_EQ(again->NalUnitsOfType(h265::kSps),
              config->NalUnitsOfType(h265::kSps));
  }
  Result<VideoTrackParams> p =
      t.config_box == "avcC" ? DescribeAvcC(t.config) : DescribeHvcC(t.config);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->width, c.width);
}

// Facts from shared/media/README.md.
INSTANTIATE_TEST_SUITE_P(
    Media, Mp4VideoTest,
    testing::Values(
        VideoCase{"bbb_h264_high_nob_aac_1280x720_10s.mp4", "avc1", 1280, 720,
                  4, 8, "H.264 High L3.1"},
        VideoCase{"bbb_h264_high_bpyramid_800x640.mp4", "avc1", 800, 640, 4, 8,
                  "H.264 High L3.1"},
        VideoCase{"bbb_h264_high_2b_editlist_800x640.mp4", "avc1", 800, 640, 4,
                  8, "H.264 High L3.1"},
        VideoCase{"black_h264_cbp_aac_1080p_6min.mp4", "avc1", 1920, 1080, 4, 8,
                  "H.264 Constrained Baseline L4.0"},
        VideoCase{"camera_h264_high_bframes_aac_1080x720.mp4", "avc1", 1080,
                  720, 4, 8, "H.264 High L3.1"},
        VideoCase{"camera_h264_high_bframes_aac_2byte_nal_length.mp4", "avc1",
                  1080, 720, 2, 8, "H.264 High L3.1"},
        VideoCase{"camera_h264_high_nob_aac_1080x720.mp4", "avc1", 1080, 720, 4,
                  8, "H.264 High L5.2"},
        VideoCase{"phone_h264_high_4k60_aac_rot90.mp4", "avc1", 3840, 2160, 4,
                  8, "H.264 High L5.1"},
        VideoCase{"phone_pixel7_h264_high_1080p_rot180.mp4", "avc1", 1920, 1080,
                  4, 8, "H.264 High L4.1"},
        VideoCase{"phone_iphone_h265_main10_bframes_opengop_aac.mp4", "hvc1",
                  1920, 1080, 4, 10, "H.265 Main 10 L4"},
        VideoCase{"phone_pixel_h265_2tracks_motionphoto.mp4", "hvc1", 1024, 768,
                  4, 8, "H.265 Main L5.1"}));

struct AudioCase {
  const char* file;
  int rate, channels;
};

class Mp4AudioTest : public testing::TestWithParam<AudioCase> {};

TEST_P(Mp4AudioTest, AscDescribesTheTrack) {
  const AudioCase& c = GetParam();
  const Mp4Track* audio = nullptr;
  const std::vector<Mp4Track> tracks = Tracks(c.file);
  for (const Mp4Track& t : tracks) {
    if (t.sample_entry == "mp4a") audio = &t;
  }
  ASSERT_NE(audio, nullptr) << c.file;
  ASSERT_EQ(audio->config_box, "esds");
  Result<AudioTrackParams> p = DescribeAac(audio->config);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_STREQ(p->codec_id, kCodecIdAac);
  EXPECT_EQ(p->sample_rate, c.rate);
  EXPECT_EQ(p->channels, c.channels);
  EXPECT_EQ(p->core_sample_rate, c.rate);  // all AAC-LC
  EXPECT_EQ(p->description.rfind("AAC LC ", 0), 0u) << p->description;
  // The sample entry agrees on the rate. (Its channelcount is not reliable:
  // the camera files' entries say 2 where the ASC and README say mono.)
  EXPECT_EQ(static_cast<int>(audio->entry_sample_rate), c.rate);
}

INSTANTIATE_TEST_SUITE_P(
    Media, Mp4AudioTest,
    testing::Values(
        AudioCase{"bbb_h264_high_nob_aac_1280x720_10s.mp4", 44100, 2},
        AudioCase{"black_h264_cbp_aac_1080p_6min.mp4", 48000, 2},
        AudioCase{"camera_h264_high_bframes_aac_1080x720.mp4", 44100, 1},
        AudioCase{"camera_h264_high_bframes_aac_2byte_nal_length.mp4", 44100,
                  1},
        AudioCase{"camera_h264_high_nob_aac_1080x720.mp4", 44100, 1},
        AudioCase{"phone_h264_high_4k60_aac_rot90.mp4", 48000, 2},
        AudioCase{"phone_iphone_h265_main10_bframes_opengop_aac.mp4", 44100,
                  2}));

TEST(MediaTest, BigBuckBunnyAscIs1210) {
  // README, section E: the repository documents AudioSpecificConfig 1210.
  const std::vector<Mp4Track> tracks =
      Tracks("bbb_h264_high_nob_aac_1280x720_10s.mp4");
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_EQ(tracks[1].config, FromHex("1210"));
  // And our own builder writes the same two bytes for 44.1 kHz stereo LC.
  Result<std::vector<uint8_t>> built = BuildAudioSpecificConfig(44100, 2);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(*built, tracks[1].config);
}

TEST(MediaTest, MotionPhotoSecondHevcTrack) {
  const std::vector<Mp4Track> tracks =
      Tracks("phone_pixel_h265_2tracks_motionphoto.mp4");
  ASSERT_GE(tracks.size(), 2u);
  ASSERT_EQ(tracks[1].config_box, "hvcC");
  Result<VideoTrackParams> p = DescribeHvcC(tracks[1].config);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->width, 2048);
  EXPECT_EQ(p->height, 1536);
}

// The Pixel's hvcC header says chromaFormat 0 (monochrome) while its SPS
// says 4:2:0: the packager must trust the SPS, as DescribeHvcC does.
TEST(MediaTest, PixelHvcCHeaderChromaDisagreesWithSps) {
  const Mp4Track t =
      FirstVideoTrack("phone_pixel_h265_2tracks_motionphoto.mp4");
  Result<HvcConfig> config = ParseHvcC(t.config);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->chroma_format, 0);
  Result<VideoTrackParams> p = DescribeHvcC(t.config);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->chroma_format_idc, 1);
}

TEST(MediaTest, IphoneMain10HvcC) {
  const Mp4Track t =
      FirstVideoTrack("phone_iphone_h265_main10_bframes_opengop_aac.mp4");
  Result<HvcConfig> config = ParseHvcC(t.config);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->ptl.profile_idc, 2);  // Main 10
  EXPECT_EQ(config->bit_depth_luma, 10);
  EXPECT_EQ(config->bit_depth_chroma, 10);
  EXPECT_EQ(config->chroma_format, 1);
  EXPECT_EQ(config->ptl.level_idc, 120);  // level 4
  Result<H265SpsInfo> sps =
      ParseH265Sps(config->NalUnitsOfType(h265::kSps).front());
  ASSERT_TRUE(sps.ok());
  EXPECT_EQ(sps->bit_depth_luma, 10u);
  EXPECT_EQ(sps->ptl.profile_idc, config->ptl.profile_idc);
  EXPECT_EQ(sps->ptl.level_idc, config->ptl.level_idc);
}

// kvs_h264_high_640x480_25fps_nob.h264: Annex-B with AUD, SPS/PPS in-band
// at every IDR (README section A).
TEST(MediaTest, H264AnnexBInBandParameterSets) {
  const std::vector<uint8_t> file =
      ReadFileBytes(Media("kvs_h264_high_640x480_25fps_nob.h264"));
  const std::vector<IndexedFrame> frames =
      ReadIndex("kvs_h264_high_640x480_25fps_nob.index.csv");
  ASSERT_EQ(frames.size(), 403u);
  std::vector<uint8_t> first_cpd;
  int keys = 0;
  for (const IndexedFrame& f : frames) {
    ASSERT_LE(f.offset + f.size, file.size());
    const ByteSpan au(file.data() + f.offset, f.size);
    Result<AccessUnitInfo> info =
        InspectAccessUnit(VideoCodec::kH264, au, kAnnexB);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->key_frame, f.key) << "frame at " << f.offset;
    EXPECT_TRUE(info->has_aud);
    EXPECT_EQ(info->has_parameter_sets,
              f.nal_types.find("|7|") != std::string::npos);
    if (!f.key) continue;
    ++keys;
    Result<std::vector<uint8_t>> cpd =
        BuildCodecPrivateFromAccessUnit(VideoCodec::kH264, au, kAnnexB);
    ASSERT_TRUE(cpd.ok()) << cpd.status().ToString();
    if (first_cpd.empty()) first_cpd = *cpd;
    EXPECT_EQ(*cpd, first_cpd);  // the same SPS/PPS at every IDR
  }
  EXPECT_EQ(keys, 9);
  Result<VideoTrackParams> p = DescribeAvcC(first_cpd);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->width, 640);
  EXPECT_EQ(p->height, 480);
  EXPECT_EQ(p->description, "H.264 High L3.0");
  // x264 VUI: 25 fps (README: h264parse takes 40 ms durations from it).
  EXPECT_EQ(p->frame_rate_num, 25);
  EXPECT_EQ(p->frame_rate_den, 1);
}

TEST(MediaTest, H265AnnexBInBandParameterSets) {
  const std::vector<uint8_t> file =
      ReadFileBytes(Media("kvs_h265_main_640x360_25fps_nob.h265"));
  const std::vector<IndexedFrame> frames =
      ReadIndex("kvs_h265_main_640x360_25fps_nob.index.csv");
  ASSERT_EQ(frames.size(), 403u);
  int keys = 0;
  for (const IndexedFrame& f : frames) {
    const ByteSpan au(file.data() + f.offset, f.size);
    Result<AccessUnitInfo> info =
        InspectAccessUnit(VideoCodec::kH265, au, kAnnexB);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->key_frame, f.key);
    EXPECT_EQ(info->idr, f.key);  // IDR_W_RADL, closed GOPs
    EXPECT_FALSE(info->rasl);
    keys += f.key;
  }
  EXPECT_EQ(keys, 9);
  const ByteSpan first(file.data() + frames[0].offset, frames[0].size);
  Result<std::vector<uint8_t>> cpd =
      BuildCodecPrivateFromAccessUnit(VideoCodec::kH265, first, kAnnexB);
  ASSERT_TRUE(cpd.ok()) << cpd.status().ToString();
  Result<VideoTrackParams> p = DescribeHvcC(*cpd);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->width, 640);
  EXPECT_EQ(p->height, 360);
  EXPECT_EQ(p->description, "H.265 Main L5");
  // Its VPS timing says 25 fps (README: 25 fps, 40 ms per frame).
  EXPECT_EQ(p->frame_rate_num, 25);
  EXPECT_EQ(p->frame_rate_den, 1);
  // Converting the AU to 4-byte lengths and back gives the same NAL units.
  Result<std::vector<uint8_t>> avcc_au = AnnexBToLengthPrefixed(first, 4);
  ASSERT_TRUE(avcc_au.ok());
  Result<std::vector<ByteSpan>> nals = SplitLengthPrefixed(*avcc_au, 4);
  ASSERT_TRUE(nals.ok());
  ASSERT_EQ(nals->size(), 4u);  // VPS, SPS, PPS, IDR
  EXPECT_EQ(h265::NalType((*nals)[3]), h265::kIdrWRadl);
  Result<std::vector<uint8_t>> from_lp =
      BuildCodecPrivateFromAccessUnit(VideoCodec::kH265, *avcc_au, 4);
  ASSERT_TRUE(from_lp.ok());
  EXPECT_EQ(*from_lp, *cpd);
}

// The in-band SPS of the H.264 file matches the README: High, level 3.0,
// 4:2:0 8-bit, progressive.
TEST(MediaTest, H264SpsFields) {
  const std::vector<uint8_t> file =
      ReadFileBytes(Media("kvs_h264_high_640x480_25fps_nob.h264"));
  Result<ParameterSets> sets = FindParameterSets(
      VideoCodec::kH264, ByteSpan(file.data(), 119387), kAnnexB);
  ASSERT_TRUE(sets.ok());
  ASSERT_EQ(sets->sps.size(), 1u);
  ASSERT_EQ(sets->pps.size(), 1u);
  Result<H264SpsInfo> sps = ParseH264Sps(sets->sps[0]);
  ASSERT_TRUE(sps.ok());
  EXPECT_EQ(sps->profile_idc, 100);
  EXPECT_EQ(sps->level_idc, 30);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(sps->bit_depth_luma, 8u);
  EXPECT_TRUE(sps->frame_mbs_only);
  EXPECT_EQ(sps->coded_width, 640u);
  EXPECT_EQ(sps->coded_height, 480u);
  EXPECT_TRUE(sps->has_vui_timing);
}

// cartoon_h264_high_bframes_aac_388x300.flv: High L2.1, 388x300 (not a
// multiple of 16, so the SPS crops 400x304), AAC-LC 44100 Hz stereo.
TEST(MediaTest, CartoonFlvAvcCAndAsc) {
  const kvs_test::FlvHeaders flv = kvs_test::ReadFlvHeaders(
      ReadFileBytes(Media("cartoon_h264_high_bframes_aac_388x300.flv")));
  Result<VideoTrackParams> video = DescribeAvcC(flv.avcc);
  ASSERT_TRUE(video.ok()) << video.status().ToString();
  EXPECT_EQ(video->width, 388);
  EXPECT_EQ(video->height, 300);
  EXPECT_EQ(video->coded_width, 400);
  EXPECT_EQ(video->coded_height, 304);
  EXPECT_EQ(video->description, "H.264 High L2.1");
  Result<AudioTrackParams> audio = DescribeAac(flv.asc);
  ASSERT_TRUE(audio.ok()) << audio.status().ToString();
  EXPECT_EQ(audio->sample_rate, 44100);
  EXPECT_EQ(audio->channels, 2);
}

// ipcam_h264_main_1280x720_g711a.flv: a GB28181 camera, Main L3.1 1280x720
// with G.711 A-law 8000 Hz mono, whose WAVEFORMATEX we build.
TEST(MediaTest, IpCamFlvAvcCAndG711) {
  const kvs_test::FlvHeaders flv = kvs_test::ReadFlvHeaders(
      ReadFileBytes(Media("ipcam_h264_main_1280x720_g711a.flv")));
  Result<VideoTrackParams> video = DescribeAvcC(flv.avcc);
  ASSERT_TRUE(video.ok()) << video.status().ToString();
  EXPECT_EQ(video->width, 1280);
  EXPECT_EQ(video->height, 720);
  EXPECT_EQ(video->description, "H.264 Main L3.1");
  EXPECT_EQ(flv.audio_format, 7);  // FLV SoundFormat 7: G.711 A-law
  EXPECT_FALSE(flv.audio_stereo);
  Result<AudioTrackParams> audio = DescribeG711(G711Law::kALaw, 8000, 1);
  ASSERT_TRUE(audio.ok());
  EXPECT_EQ(audio->bit_depth, 8);
}

// cartoon_h265_main_bframes_aac_388x300.ts: x265, Main L2, 388x300 via the
// conformance window. The TS has no hvcC: it is built from the in-band
// VPS/SPS/PPS of the first access unit, as the sink does for byte-stream.
TEST(MediaTest, CartoonTsHevcInBand) {
  const std::vector<uint8_t> au = kvs_test::ReadFirstTsPes(
      ReadFileBytes(Media("cartoon_h265_main_bframes_aac_388x300.ts")), 0x24);
  ASSERT_FALSE(au.empty());
  Result<AccessUnitInfo> info =
      InspectAccessUnit(VideoCodec::kH265, au, kAnnexB);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->key_frame);
  EXPECT_TRUE(info->idr);  // README: IDR_N_LP first
  Result<std::vector<uint8_t>> hvcc =
      BuildCodecPrivateFromAccessUnit(VideoCodec::kH265, au, kAnnexB);
  ASSERT_TRUE(hvcc.ok()) << hvcc.status().ToString();
  Result<VideoTrackParams> p = DescribeHvcC(*hvcc);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->width, 388);
  EXPECT_EQ(p->height, 300);
  EXPECT_EQ(p->description, "H.265 Main L2");
  EXPECT_GT(p->coded_width, 388);  // x265 pads to whole coding blocks
}

}  // namespace
}  // namespace codec
}  // namespace kvs
