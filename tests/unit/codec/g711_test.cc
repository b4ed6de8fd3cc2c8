#include "kvscore/codec/g711.h"

#include <gtest/gtest.h>

#include "tests/unit/test_support.h"

namespace kvs {
namespace codec {
namespace {

using kvs_test::FromHex;

TEST(G711Test, ALaw8kMonoByteExact) {
  Result<std::vector<uint8_t>> wfx = BuildWaveFormatEx(G711Law::kALaw, 8000, 1);
  ASSERT_TRUE(wfx.ok());
  EXPECT_EQ(*wfx, FromHex("0600"      // wFormatTag 6: WAVE_FORMAT_ALAW
                          "0100"      // nChannels 1
                          "401f0000"  // nSamplesPerSec 8000
                          "401f0000"  // nAvgBytesPerSec 8000 (1 B/sample)
                          "0100"      // nBlockAlign 1
                          "0800"      // wBitsPerSample 8
                          "0000"));   // cbSize 0
}

TEST(G711Test, MuLaw16kStereoByteExact) {
  Result<std::vector<uint8_t>> wfx =
      BuildWaveFormatEx(G711Law::kMuLaw, 16000, 2);
  ASSERT_TRUE(wfx.ok());
  EXPECT_EQ(*wfx, FromHex("0700"      // wFormatTag 7: WAVE_FORMAT_MULAW
                          "0200"      // nChannels 2
                          "803e0000"  // nSamplesPerSec 16000
                          "007d0000"  // nAvgBytesPerSec 32000
                          "0200"      // nBlockAlign 2
                          "0800"      // wBitsPerSample 8
                          "0000"));   // cbSize 0
}

TEST(G711Test, Ranges) {
  EXPECT_TRUE(BuildWaveFormatEx(G711Law::kALaw, 192000, 2).ok());
  auto code = [](int rate, int channels) {
    return BuildWaveFormatEx(G711Law::kALaw, rate, channels).status().code();
  };
  EXPECT_EQ(code(7999, 1), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(192001, 1), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(8000, 0), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(8000, 3), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(-8000, 1), StatusCode::kInvalidArgument);
}

TEST(G711Test, ParseRoundTrip) {
  Result<std::vector<uint8_t>> wfx =
      BuildWaveFormatEx(G711Law::kMuLaw, 48000, 2);
  ASSERT_TRUE(wfx.ok());
  Result<WaveFormatEx> w = ParseWaveFormatEx(*wfx);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->format_tag, kWaveFormatMuLaw);
  EXPECT_EQ(w->channels, 2);
  EXPECT_EQ(w->samples_per_sec, 48000u);
  EXPECT_EQ(w->avg_bytes_per_sec, 96000u);
  EXPECT_EQ(w->block_align, 2);
  EXPECT_EQ(w->bits_per_sample, 8);
  EXPECT_EQ(w->extra_size, 0);
}

TEST(G711Test, ParseErrors) {
  std::vector<uint8_t> wfx = *BuildWaveFormatEx(G711Law::kALaw, 8000, 1);
  for (size_t n = 0; n < wfx.size(); ++n) {
    EXPECT_EQ(ParseWaveFormatEx(ByteSpan(wfx.data(), n)).status().code(),
              StatusCode::kInvalidCodecData)
        << n;
  }
  wfx[16] = 2;  // cbSize 2, but no extra bytes follow
  EXPECT_EQ(ParseWaveFormatEx(wfx).status().code(),
            StatusCode::kInvalidCodecData);
  wfx.push_back(0xaa);
  wfx.push_back(0xbb);
  Result<WaveFormatEx> w = ParseWaveFormatEx(wfx);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->extra_size, 2);
}

// kvs_g711a_8k_mono.wav (README section A): the fmt chunk payload at byte
// 20 is a WAVEFORMATEX for A-law, 8000 Hz, mono, 8 bits.
TEST(G711Test, RealWaveFile) {
  const std::vector<uint8_t> wav = kvs_test::ReadFileBytes(
      kvs_test::SharedDir() + "/media/kvs_g711a_8k_mono.wav");
  ASSERT_GE(wav.size(), 58u);
  ASSERT_EQ(std::string(wav.begin() + 12, wav.begin() + 16), "fmt ");
  Result<WaveFormatEx> w = ParseWaveFormatEx(ByteSpan(wav.data() + 20, 18));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->format_tag, kWaveFormatALaw);
  EXPECT_EQ(w->channels, 1);
  EXPECT_EQ(w->samples_per_sec, 8000u);
  EXPECT_EQ(w->avg_bytes_per_sec, 8000u);
  EXPECT_EQ(w->bits_per_sample, 8);
  // Ours agrees with the file's on every field but cbSize, which the
  // file may or may not set.
  std::vector<uint8_t> ours = *BuildWaveFormatEx(G711Law::kALaw, 8000, 1);
  EXPECT_EQ(std::vector<uint8_t>(ours.begin(), ours.begin() + 16),
            std::vector<uint8_t>(wav.begin() + 20, wav.begin() + 36));
}

}  // namespace
}  // namespace codec
}  // namespace kvs
