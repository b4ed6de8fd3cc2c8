#include "kvscore/codec/aac.h"

#include <gtest/gtest.h>

#include "tests/unit/codec/bit_writer.h"
#include "tests/unit/test_support.h"

namespace kvs {
namespace codec {
namespace {

using kvs_test::BitWriter;
using kvs_test::FromHex;

// GASpecificConfig() with all flags 0 (14496-3 4.4.1): frameLengthFlag,
// dependsOnCoreCoder, extensionFlag.
void WriteGaSpecific(BitWriter& w) { w.Bits(3, 0); }

TEST(AacTest, LowComplexityFromTheMedia) {
  // bbb (README section E): 00010 (LC) 0100 (44100) 0010 (2 ch) 000.
  Result<AacConfig> c = ParseAudioSpecificConfig(FromHex("1210"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->object_type, kAacLc);
  EXPECT_EQ(c->frequency_index, 4);
  EXPECT_EQ(c->core_sample_rate, 44100);
  EXPECT_EQ(c->channel_configuration, 2);
  EXPECT_EQ(c->core_channels, 2);
  EXPECT_EQ(c->output_sample_rate, 44100);
  EXPECT_EQ(c->output_channels, 2);
  EXPECT_EQ(c->signalling, AacSignalling::kNone);
  EXPECT_EQ(c->sbr, AacFlag::kUnknown);
  EXPECT_TRUE(c->specific_config_parsed);
  EXPECT_FALSE(c->frame_length_960);
  EXPECT_EQ(AacProfileName(*c), "AAC LC");
  // kvs_aac_lc_48k_stereo (the SDK sample's declaration): 00010 0011 0010.
  Result<AacConfig> kvs = ParseAudioSpecificConfig(FromHex("1190"));
  ASSERT_TRUE(kvs.ok());
  EXPECT_EQ(kvs->output_sample_rate, 48000);
  EXPECT_EQ(kvs->output_channels, 2);
  // Camera files: 44100 Hz mono.
  Result<AacConfig> mono = ParseAudioSpecificConfig(FromHex("1208"));
  ASSERT_TRUE(mono.ok());
  EXPECT_EQ(mono->output_channels, 1);
}

// Explicit hierarchical signalling, AOT 5 (14496-3 1.6.5.2): the core runs
// at half the output rate.
TEST(AacTest, HeAacHierarchical) {
  BitWriter w;
  w.Bits(5, 5)      // audioObjectType 5: SBR
      .Bits(4, 7)   // samplingFrequencyIndex 7: 22050 Hz core
      .Bits(4, 2)   // channelConfiguration 2
      .Bits(4, 4)   // extensionSamplingFrequencyIndex 4: 44100 Hz
      .Bits(5, 2);  // audioObjectType 2: AAC LC core
  WriteGaSpecific(w);
  EXPECT_EQ(w.bytes(), FromHex("2b920800"));  // the usual HE-AAC 44.1k ASC
  Result<AacConfig> c = ParseAudioSpecificConfig(w.bytes());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->signalling, AacSignalling::kHierarchical);
  EXPECT_EQ(c->object_type, kAacLc);
  EXPECT_EQ(c->sbr, AacFlag::kPresent);
  EXPECT_EQ(c->ps, AacFlag::kUnknown);
  EXPECT_EQ(c->core_sample_rate, 22050);
  EXPECT_EQ(c->extension_sample_rate, 44100);
  EXPECT_EQ(c->output_sample_rate, 44100);
  EXPECT_EQ(c->core_channels, 2);
  EXPECT_EQ(c->output_channels, 2);
  EXPECT_EQ(AacProfileName(*c), "HE-AAC");
}

// AOT 29 (HE-AAC v2): SBR + PS, a mono core decoded to stereo.
TEST(AacTest, HeAacV2Hierarchical) {
  BitWriter w;
  w.Bits(5, 29)     // audioObjectType 29: PS
      .Bits(4, 6)   // 24000 Hz core
      .Bits(4, 1)   // channelConfiguration 1: mono
      .Bits(4, 3)   // extension: 48000 Hz
      .Bits(5, 2);  // AAC LC core
  WriteGaSpecific(w);
  EXPECT_EQ(w.bytes(), FromHex("eb098800"));
  Result<AacConfig> c = ParseAudioSpecificConfig(w.bytes());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sbr, AacFlag::kPresent);
  EXPECT_EQ(c->ps, AacFlag::kPresent);
  EXPECT_EQ(c->core_sample_rate, 24000);
  EXPECT_EQ(c->core_channels, 1);
  EXPECT_EQ(c->output_sample_rate, 48000);
  EXPECT_EQ(c->output_channels, 2);
  EXPECT_EQ(AacProfileName(*c), "HE-AAC v2");
}

// Explicit backward-compatible signalling: an LC config, then the sync
// extension 0x2b7 with SBR, then 0x548 with PS (14496-3 1.6.2.1).
BitWriter BackwardCompatible(int channel_config, bool sbr, bool with_ps) {
  BitWriter w;
  w.Bits(5, 2).Bits(4, 6).Bits(4, channel_config);  // LC, 24000 Hz
  WriteGaSpecific(w);
  w.Bits(11, 0x2b7)  // syncExtensionType
      .Bits(5, 5)    // extensionAudioObjectType 5: SBR
      .Flag(sbr);    // sbrPresentFlag
  if (sbr) {
    w.Bits(4, 3);  // extensionSamplingFrequencyIndex: 48000 Hz
    if (with_ps) {
      w.Bits(11, 0x548)  // syncExtensionType
          .Flag(true);   // psPresentFlag
    }
  }
  return w;
}

TEST(AacTest, BackwardCompatibleSbr) {
  Result<AacConfig> c =
      ParseAudioSpecificConfig(BackwardCompatible(2, true, false).bytes());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->signalling, AacSignalling::kBackwardCompatible);
  EXPECT_EQ(c->object_type, kAacLc);
  EXPECT_EQ(c->sbr, AacFlag::kPresent);
  EXPECT_EQ(c->core_sample_rate, 24000);
  EXPECT_EQ(c->output_sample_rate, 48000);
  EXPECT_EQ(c->output_channels, 2);
}

TEST(AacTest, BackwardCompatibleSbrAndPs) {
  Result<AacConfig> c =
      ParseAudioSpecificConfig(BackwardCompatible(1, true, true).bytes());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ps, AacFlag::kPresent);
  EXPECT_EQ(c->core_channels, 1);
  EXPECT_EQ(c->output_channels, 2);
  EXPECT_EQ(c->output_sample_rate, 48000);
}

TEST(AacTest, BackwardCompatibleSbrAbsent) {
  Result<AacConfig> c =
      ParseAudioSpecificConfig(BackwardCompatible(2, false, false).bytes());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sbr, AacFlag::kAbsent);
  EXPECT_EQ(c->signalling, AacSignalling::kNone);
  EXPECT_EQ(c->output_sample_rate, 24000);
}

// Implicit signalling: nothing in the ASC. A decoder may still find SBR in
// the payload; the ASC alone says the core rate, and the flag stays unknown.
TEST(AacTest, ImplicitSignallingReportsTheCore) {
  // 00010 (LC) 0110 (24000) 0001 (mono) 000.
  Result<AacConfig> c = ParseAudioSpecificConfig(FromHex("1308"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sbr, AacFlag::kUnknown);
  EXPECT_EQ(c->signalling, AacSignalling::kNone);
  EXPECT_EQ(c->output_sample_rate, 24000);
  EXPECT_EQ(c->output_channels, 1);
  // Fewer than 16 bits after the core config: no sync extension is read.
  Result<AacConfig> short_tail = ParseAudioSpecificConfig(FromHex("1308 2b"));
  ASSERT_TRUE(short_tail.ok());
  EXPECT_EQ(short_tail->sbr, AacFlag::kUnknown);
}

TEST(AacTest, ExplicitSamplingFrequencyAndEscapedObjectType) {
  BitWriter w;
  w.Bits(5, 2)
      .Bits(4, 15)      // samplingFrequencyIndex 15: explicit
      .Bits(24, 50000)  // samplingFrequency
      .Bits(4, 2);
  WriteGaSpecific(w);
  Result<AacConfig> c = ParseAudioSpecificConfig(w.bytes());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->frequency_index, 15);
  EXPECT_EQ(c->core_sample_rate, 50000);
  // audioObjectType 31 escapes to 32 + 6 bits: 36 (ALS) here. Its specific
  // config is not parsed; the common fields still give rate and channels.
  BitWriter e;
  e.Bits(5, 31).Bits(6, 4).Bits(4, 3).Bits(4, 1).Bits(8, 0);
  Result<AacConfig> als = ParseAudioSpecificConfig(e.bytes());
  ASSERT_TRUE(als.ok()) << als.status().ToString();
  EXPECT_EQ(als->object_type, 36);
  EXPECT_FALSE(als->specific_config_parsed);
  EXPECT_EQ(als->output_sample_rate, 48000);
  EXPECT_EQ(als->output_channels, 1);
  EXPECT_EQ(AacProfileName(*als), "AAC (object type 36)");
}

// channelConfiguration 0: the channels come from program_config_element
// (14496-3 4.4.1.1). A 5.1 PCE: front SCE + CPE, back CPE, one LFE.
TEST(AacTest, ProgramConfigElement) {
  BitWriter w;
  w.Bits(5, 2).Bits(4, 3).Bits(4, 0);  // LC, 48000 Hz, config 0
  w.Bits(3, 0);                        // GASpecificConfig flags
  w.Bits(4, 0)                         // element_instance_tag
      .Bits(2, 1)                      // object_type
      .Bits(4, 3)                      // sampling_frequency_index
      .Bits(4, 2)                      // num_front_channel_elements
      .Bits(4, 0)                      // num_side_channel_elements
      .Bits(4, 1)                      // num_back_channel_elements
      .Bits(2, 1)                      // num_lfe_channel_elements
      .Bits(3, 0)                      // num_assoc_data_elements
      .Bits(4, 0)                      // num_valid_cc_elements
      .Flag(false)
      .Flag(false)
      .Flag(false)  // no mixdowns
      .Flag(false)
      .Bits(4, 0)  // front 0: SCE (centre)
      .Flag(true)
      .Bits(4, 1)  // front 1: CPE (left/right)
      .Flag(true)
      .Bits(4, 2)                 // back 0: CPE (surrounds)
      .Bits(4, 0);                // LFE
  w.AlignZero();                  // byte_alignment()
  w.Byte(2).Byte('h').Byte('i');  // comment_field_bytes, comment
  Result<AacConfig> c = ParseAudioSpecificConfig(w.bytes());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->channel_configuration, 0);
  EXPECT_EQ(c->core_channels, 6);
  EXPECT_EQ(c->output_channels, 6);
  // The comment cut short is an error.
  std::vector<uint8_t> cut = w.bytes();
  cut.pop_back();
  EXPECT_EQ(ParseAudioSpecificConfig(cut).status().code(),
            StatusCode::kInvalidCodecData);
}

TEST(AacTest, ChannelConfigurations) {
  // 1..7 -> 1, 2, 3, 4, 5, 6, 8; 11 -> 7; 12 -> 8; 13 -> 24; 14 -> 8.
  const int expected[16] = {0,  1,  2,  3, 4, 5,  6, 8,
                            -1, -1, -1, 7, 8, 24, 8, -1};
  for (int config = 1; config < 16; ++config) {
    BitWriter w;
    w.Bits(5, 2).Bits(4, 4).Bits(4, config).Bits(3, 0);
    Result<AacConfig> c = ParseAudioSpecificConfig(w.bytes());
    if (expected[config] < 0) {
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidCodecData) << config;
    } else {
      ASSERT_TRUE(c.ok()) << config;
      EXPECT_EQ(c->output_channels, expected[config]) << config;
    }
  }
}

TEST(AacTest, MalformedConfigs) {
  auto code = [](const std::vector<uint8_t>& asc) {
    return ParseAudioSpecificConfig(asc).status().code();
  };
  EXPECT_EQ(code({}), StatusCode::kInvalidCodecData);
  EXPECT_EQ(code(FromHex("12")), StatusCode::kInvalidCodecData);    // cut
  EXPECT_EQ(code(FromHex("1690")), StatusCode::kInvalidCodecData);  // index 13
  EXPECT_EQ(code(FromHex("1710")), StatusCode::kInvalidCodecData);  // index 14
  BitWriter zero_rate;
  zero_rate.Bits(5, 2).Bits(4, 15).Bits(24, 0).Bits(4, 2).Bits(3, 0);
  EXPECT_EQ(code(zero_rate.bytes()), StatusCode::kInvalidCodecData);
  // ER AAC LC (17) with epConfig 2 is not supported.
  BitWriter er;
  er.Bits(5, 17).Bits(4, 3).Bits(4, 2).Bits(3, 0).Bits(2, 2);
  EXPECT_EQ(code(er.bytes()), StatusCode::kInvalidCodecData);
  BitWriter er_ok;
  er_ok.Bits(5, 17).Bits(4, 3).Bits(4, 2).Bits(3, 0).Bits(2, 0);
  EXPECT_EQ(code(er_ok.bytes()), StatusCode::kOk);
  // HE-AAC cut inside the extension rate or core object type.
  const std::vector<uint8_t> he = FromHex("2b920800");
  for (size_t n = 0; n < 3; ++n) {
    EXPECT_EQ(code(std::vector<uint8_t>(he.begin(), he.begin() + n)),
              StatusCode::kInvalidCodecData)
        << n;
  }
  // A non-GA object type with channelConfiguration 0 has no parsable PCE.
  BitWriter celp;
  celp.Bits(5, 8).Bits(4, 11).Bits(4, 0).Bits(3, 0);
  EXPECT_EQ(code(celp.bytes()), StatusCode::kInvalidCodecData);
}

TEST(AacTest, BuildLowComplexity) {
  auto build = [](int rate, int channels) {
    Result<std::vector<uint8_t>> asc = BuildAudioSpecificConfig(rate, channels);
    EXPECT_TRUE(asc.ok()) << rate << " " << channels;
    return asc.ok() ? *asc : std::vector<uint8_t>();
  };
  EXPECT_EQ(build(44100, 2), FromHex("1210"));
  EXPECT_EQ(build(48000, 2), FromHex("1190"));
  EXPECT_EQ(build(48000, 1), FromHex("1188"));
  EXPECT_EQ(build(8000, 1), FromHex("1588"));
  EXPECT_EQ(build(96000, 6), FromHex("1030"));
  EXPECT_EQ(build(48000, 8), FromHex("11b8"));  // channelConfiguration 7
  // 50000 Hz is not in the table: index 15 and 24 explicit bits.
  // 00010 1111 000000001100001101010000 0010 000
  EXPECT_EQ(build(50000, 2), FromHex("17 80 61 a8 10"));
  Result<AacConfig> back = ParseAudioSpecificConfig(build(50000, 2));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->core_sample_rate, 50000);
  EXPECT_EQ(BuildAudioSpecificConfig(44100, 7).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildAudioSpecificConfig(44100, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildAudioSpecificConfig(0, 2).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildAudioSpecificConfig(1 << 24, 2).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(AacTest, SampleRateTable) {
  EXPECT_EQ(AacSampleRateForIndex(0), 96000);
  EXPECT_EQ(AacSampleRateForIndex(12), 7350);
  EXPECT_EQ(AacSampleRateForIndex(13), 0);
  EXPECT_EQ(AacSampleRateForIndex(-1), 0);
  EXPECT_EQ(AacIndexForSampleRate(22050), 7);
  EXPECT_EQ(AacIndexForSampleRate(22051), -1);
}

}  // namespace
}  // namespace codec
}  // namespace kvs
