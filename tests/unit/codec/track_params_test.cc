#include "kvscore/codec/track_params.h"

#include <gtest/gtest.h>

#include "kvscore/codec/h264.h"
#include "tests/unit/codec/bit_writer.h"
#include "tests/unit/test_support.h"

namespace kvs {
namespace codec {
namespace {

using kvs_test::BitWriter;
using kvs_test::FromHex;

const char kSps[] =
    "67 64001e acb20140 7b602d41 80415000 00030010 00000303 28f162e4 80";
const char kPps[] = "68 ebccb22c";

TEST(TrackParamsTest, CodecIds) {
  // kvs-spec.md Appendix A.1 (mkvgen/Include.h).
  EXPECT_STREQ(kCodecIdH264, "V_MPEG4/ISO/AVC");
  EXPECT_STREQ(kCodecIdH265, "V_MPEGH/ISO/HEVC");
  EXPECT_STREQ(kCodecIdAac, "A_AAC");
  EXPECT_STREQ(kCodecIdG711, "A_MS/ACM");
}

TEST(TrackParamsTest, DescribeAvcC) {
  Result<std::vector<uint8_t>> avcc =
      BuildAvcC({FromHex(kSps)}, {FromHex(kPps)}, 2);
  ASSERT_TRUE(avcc.ok());
  Result<VideoTrackParams> p = DescribeAvcC(*avcc);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_STREQ(p->codec_id, kCodecIdH264);
  EXPECT_EQ(p->width, 640);
  EXPECT_EQ(p->height, 480);
  EXPECT_EQ(p->coded_width, 640);
  EXPECT_EQ(p->nal_length_size, 2);
  EXPECT_EQ(p->bit_depth, 8);
  EXPECT_EQ(p->chroma_format_idc, 1);
  EXPECT_EQ(p->frame_rate_num, 25);
  EXPECT_EQ(p->frame_rate_den, 1);
  EXPECT_EQ(p->description, "H.264 High L3.0");
}

TEST(TrackParamsTest, DescribeAvcCNeedsSpsAndPps) {
  // A valid avc3-style record without parameter sets cannot describe a
  // track: the packager must wait for in-band ones.
  EXPECT_EQ(DescribeAvcC(FromHex("01 42 c0 1e ff e0 00")).status().code(),
            StatusCode::kInvalidCodecData);
  EXPECT_EQ(DescribeAvcC(FromHex("0142")).status().code(),
            StatusCode::kInvalidCodecData);
  // An SPS that parses as a record entry but not as an SPS.
  EXPECT_EQ(DescribeAvcC(FromHex("01 64 00 1e ff e1 0002 6764 01 0002 68ee"))
                .status()
                .code(),
            StatusCode::kInvalidCodecData);
}

TEST(TrackParamsTest, DescribeHvcCNeedsAllParameterSets) {
  // Header only, no arrays.
  const std::vector<uint8_t> header =
      FromHex("01 01 60000000 900000000000 5d f000 fc fd f8 f8 0000 0f 00");
  EXPECT_EQ(DescribeHvcC(header).status().code(),
            StatusCode::kInvalidCodecData);
}

TEST(TrackParamsTest, DescribeAac) {
  Result<AudioTrackParams> lc = DescribeAac(FromHex("1210"));
  ASSERT_TRUE(lc.ok());
  EXPECT_STREQ(lc->codec_id, kCodecIdAac);
  EXPECT_EQ(lc->sample_rate, 44100);
  EXPECT_EQ(lc->channels, 2);
  EXPECT_EQ(lc->core_sample_rate, 44100);
  EXPECT_EQ(lc->bit_depth, 0);
  EXPECT_EQ(lc->description, "AAC LC 44100 Hz 2 ch");
  EXPECT_FALSE(lc->implicit_sbr_possible);  // 44.1 kHz core: no SBR room
  // LC at 22050 Hz with nothing signalled: SBR may be implicit.
  Result<AudioTrackParams> low = DescribeAac(FromHex("1390"));
  ASSERT_TRUE(low.ok());
  EXPECT_EQ(low->sample_rate, 22050);
  EXPECT_TRUE(low->implicit_sbr_possible);
  // The same with the sync extension saying sbrPresentFlag 0: known absent.
  // 00010 0111 0010 000 | 0x2b7 | 00101 | 0, padded.
  Result<AudioTrackParams> no_sbr = DescribeAac(FromHex("1390 56e5 00"));
  ASSERT_TRUE(no_sbr.ok());
  EXPECT_EQ(no_sbr->sample_rate, 22050);
  EXPECT_FALSE(no_sbr->implicit_sbr_possible);
  // HE-AAC v2: AOT 29, 24000 Hz mono core, 48000 Hz output.
  Result<AudioTrackParams> v2 = DescribeAac(FromHex("eb098800"));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->sample_rate, 48000);
  EXPECT_EQ(v2->channels, 2);
  EXPECT_EQ(v2->core_sample_rate, 24000);
  EXPECT_EQ(v2->core_channels, 1);
  EXPECT_EQ(v2->description, "HE-AAC v2 48000 Hz 2 ch");
  EXPECT_FALSE(v2->implicit_sbr_possible);  // signalled explicitly
  EXPECT_EQ(DescribeAac(FromHex("16")).status().code(),
            StatusCode::kInvalidCodecData);
}

TEST(TrackParamsTest, DescribeG711) {
  Result<AudioTrackParams> p = DescribeG711(G711Law::kMuLaw, 8000, 1);
  ASSERT_TRUE(p.ok());
  EXPECT_STREQ(p->codec_id, kCodecIdG711);
  EXPECT_EQ(p->sample_rate, 8000);
  EXPECT_EQ(p->channels, 1);
  EXPECT_EQ(p->bit_depth, 8);
  EXPECT_EQ(p->description, "G.711 mu-law 8000 Hz 1 ch");
  EXPECT_EQ(DescribeG711(G711Law::kALaw, 8000, 3).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(TrackParamsTest, DescribeWaveFormatEx) {
  Result<AudioTrackParams> p =
      DescribeWaveFormatEx(*BuildWaveFormatEx(G711Law::kALaw, 16000, 2));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->sample_rate, 16000);
  EXPECT_EQ(p->channels, 2);
  EXPECT_EQ(p->description, "G.711 A-law 16000 Hz 2 ch");
  // PCM (tag 1) is not G.711.
  EXPECT_EQ(DescribeWaveFormatEx(FromHex("0100 0100 401f0000 803e0000 0200 "
                                         "1000 0000"))
                .status()
                .code(),
            StatusCode::kInvalidCodecData);
  // A-law at 4 GHz: out of range, and no integer overflow on the way.
  EXPECT_EQ(DescribeWaveFormatEx(FromHex("0600 0100 ffffffff ffffffff 0100 "
                                         "0800 0000"))
                .status()
                .code(),
            StatusCode::kInvalidCodecData);
}

}  // namespace
}  // namespace codec
}  // namespace kvs
