// tests/unit/mkv/golden_test.cc: golden MKV files (tests/data/golden).
//
// Each golden is a small PutMedia body written by kvscore/mkv (SessionHeader,
// ClusterStart, SimpleBlockHeader + payload, TagsElement, EndOfFragmentTags)
// with TrackEntries from kvscore/stream/track.h (DescribeTrack), for:
//
//   h264_video.mkv        H.264 (avcC), 2 fragments, end-of-fragment tag
//   h264_aac_meta.mkv     H.264 + AAC interleaved, fragment metadata tags
//   h265_video.mkv        H.265 (hvcC): IDR_N_LP, P, CRA
//   alaw_audio.mkv        G.711 A-law (WAVEFORMATEX, tag 6), audio only
//   mulaw_audio.mkv       G.711 mu-law (WAVEFORMATEX, tag 7), audio only
//
// Frame payloads are tiny real encodes made once for these files (64x64
// black from x264/x265, AAC silence from voaacenc, G.711 silence), inlined
// below; nothing comes from shared/media. manifest.json lists what an
// independent reader must find in each file (tracks, codec ids, frames, key
// frames, clusters); tests/e2e/media/test_golden_mkvs.py checks it with
// matroskademux, ffprobe and mkvinfo.
//
// This test compares the writer's current output with the goldens byte for
// byte. scripts/make-golden regenerates them (and the manifest): it runs
// this test with KVS_WRITE_GOLDEN=<folder>, which writes instead of
// comparing. Golden files change only through that script.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kvscore/mkv/mkv_writer.h"
#include "kvscore/stream/track.h"
#include "tests/unit/test_support.h"

namespace kvs {
namespace mkv {
namespace {

using Bytes = std::vector<uint8_t>;
using kvs_test::FromHex;

constexpr int64_t kT0 = 1700000000000;  // Cluster timecodes, ms.

// 64x64 black, x264 baseline (SPS/PPS in the avcC; SEI and AUD removed).
const char kAvcC[] =
    "0142c015ffe1001b6742c015da109b016a0c0c0d4a000003000200000300651e2c5d40"
    "01000468ce3c80";
const char kH264Idr[] =
    "0000001865888406a8930a0003fbf24f27275d75d75d75d75d75d780";
const char kH264P[] = "00000006419a201aa08c";
const char kH264Idr2[] =
    "0000001865888201aa24c28000fefc93c9c9d75d75d75d75d75d75e0";
// 64x64 black, x265 main (VPS/SPS/PPS in the hvcC; SEI removed).
const char kHvcC[] =
    "0101600000009000000000003ff000fcfdf8f800000f03200001001840010c01ffff01"
    "600000030090000003000003003fba0240210001002f42010101600000030090000003"
    "000003003fa020810596e92930bffc00040005a8303030200000030020000003032122"
    "000100064401c0718112";
const char kH265IdrNLp[] = "000000122801ac1ae0f06b10cffe261358573b479f80";
const char kH265P[] = "0000000b0201d0097880d7fedb1120";
const char kH265Cra[] = "000000142a01ac08f506a8f06b10cffe261358573b479f80";
// AAC LC 48 kHz stereo silence (voaacenc, 16 kb/s).
const char kAsc[] = "1190";
const char kAac[] =
    "21100520a41bc540000000000000000000000000000000000000000000000000000000"
    "0000000000000038";

struct TrackFacts {
  uint64_t number;
  std::string codec_id;
  int frames = 0;
  int key_frames = 0;
};

// A body under construction and what a reader must find in it.
class Golden {
 public:
  explicit Golden(std::string name) : name_(std::move(name)) {
    info_.segment_uid = {0x6b, 0x76, 0x73, 0x73, 0x69, 0x6e, 0x6b, 0x20,
                         0x67, 0x6f, 0x6c, 0x64, 0x65, 0x6e, 0x00, 0x01};
    info_.title = "kvssink golden";
  }

  void Header(const std::vector<TrackConfig>& configs) {
    std::vector<TrackEntry> entries;
    for (const TrackConfig& c : configs) {
      Result<TrackDescription> d = DescribeTrack(c);
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      TrackEntry entry = d->entry;
      entry.number = entry.uid = entries.size() + 1;
      facts_.push_back({entry.number, entry.codec_id});
      entries.push_back(std::move(entry));
    }
    Result<Bytes> header = SessionHeader(info_, entries);
    ASSERT_TRUE(header.ok()) << header.status().ToString();
    Append(*header);
  }
  void Cluster(int64_t timecode) {
    Append(ClusterStart(timecode));
    clusters_.push_back(timecode);
  }
  void Block(uint64_t track, int16_t relative, bool key, const Bytes& data) {
    Append(SimpleBlockHeader(track, relative, key ? kBlockFlagKeyframe : 0,
                             data.size()));
    Append(data);
    ++facts_[track - 1].frames;
    if (key) ++facts_[track - 1].key_frames;
  }
  void Tags(const std::vector<SimpleTag>& tags) {
    Append(TagsElement(tags));
    tags_ += tags.size();
  }
  void EndOfFragment() { Append(EndOfFragmentTags()); }

  const std::string& name() const { return name_; }
  const Bytes& bytes() const { return bytes_; }

  // This file's entry in manifest.json.
  std::string Manifest() const {
    std::ostringstream m;
    m << "  \"" << name_ << "\": {\"bytes\": " << bytes_.size()
      << ", \"clusters\": [";
    for (size_t i = 0; i < clusters_.size(); ++i) {
      m << (i ? ", " : "") << clusters_[i];
    }
    m << "], \"metadata_tags\": " << tags_ << ", \"tracks\": [";
    for (size_t i = 0; i < facts_.size(); ++i) {
      const TrackFacts& t = facts_[i];
      m << (i ? ", " : "") << "{\"number\": " << t.number
        << ", \"codec_id\": \"" << t.codec_id << "\", \"frames\": " << t.frames
        << ", \"key_frames\": " << t.key_frames << "}";
    }
    m << "]}";
    return m.str();
  }

 private:
  void Append(const Bytes& b) {
    bytes_.insert(bytes_.end(), b.begin(), b.end());
  }

  std::string name_;
  SegmentInfo info_;
  Bytes bytes_;
  std::vector<TrackFacts> facts_;
  std::vector<int64_t> clusters_;
  size_t tags_ = 0;
};

TrackConfig Video(TrackCodec codec, const char* codec_private) {
  TrackConfig c;
  c.number = 1;
  c.codec = codec;
  c.codec_private = FromHex(codec_private);
  return c;
}

TrackConfig Audio(TrackCodec codec) {
  TrackConfig c;
  c.number = 2;
  c.codec = codec;
  if (codec == TrackCodec::kAac) {
    c.codec_private = FromHex(kAsc);
  } else {
    c.rate = 8000;
    c.channels = 1;
  }
  return c;
}

std::vector<Golden> BuildGoldens() {
  std::vector<Golden> goldens;
  {
    Golden g("h264_video.mkv");
    g.Header({Video(TrackCodec::kH264, kAvcC)});
    g.Cluster(kT0);
    g.Block(1, 0, true, FromHex(kH264Idr));
    g.Block(1, 40, false, FromHex(kH264P));
    g.Block(1, 80, false, FromHex(kH264P));
    g.Cluster(kT0 + 1000);
    g.Block(1, 0, true, FromHex(kH264Idr2));
    g.Block(1, 40, false, FromHex(kH264P));
    g.EndOfFragment();
    goldens.push_back(std::move(g));
  }
  {
    Golden g("h264_aac_meta.mkv");
    g.Header({Video(TrackCodec::kH264, kAvcC), Audio(TrackCodec::kAac)});
    const Bytes aac = FromHex(kAac);
    for (int fragment = 0; fragment < 2; ++fragment) {
      if (fragment == 1) g.Tags({{"camera", "front door"}, {"clip", "2"}});
      g.Cluster(kT0 + 1000 * fragment);
      g.Block(1, 0, true, FromHex(fragment ? kH264Idr2 : kH264Idr));
      g.Block(2, 0, true, aac);
      g.Block(2, 21, true, aac);
      g.Block(1, 40, false, FromHex(kH264P));
      g.Block(2, 42, true, aac);
      g.Block(2, 64, true, aac);
      g.Block(1, 80, false, FromHex(kH264P));
    }
    g.EndOfFragment();
    goldens.push_back(std::move(g));
  }
  {
    Golden g("h265_video.mkv");
    g.Header({Video(TrackCodec::kH265, kHvcC)});
    g.Cluster(kT0);
    g.Block(1, 0, true, FromHex(kH265IdrNLp));
    g.Block(1, 40, false, FromHex(kH265P));
    g.Cluster(kT0 + 1000);
    g.Block(1, 0, true, FromHex(kH265Cra));
    g.EndOfFragment();
    goldens.push_back(std::move(g));
  }
  for (TrackCodec codec : {TrackCodec::kALaw, TrackCodec::kMuLaw}) {
    bool alaw = codec == TrackCodec::kALaw;
    Golden g(alaw ? "alaw_audio.mkv" : "mulaw_audio.mkv");
    TrackConfig audio = Audio(codec);
    audio.number = 1;
    g.Header({audio});
    const Bytes silence(160, alaw ? 0xD5 : 0xFF);  // 20 ms at 8 kHz.
    for (int fragment = 0; fragment < 2; ++fragment) {
      g.Cluster(kT0 + 2000 * fragment);
      for (int i = 0; i < 3; ++i) g.Block(1, 20 * i, true, silence);
    }
    g.EndOfFragment();
    goldens.push_back(std::move(g));
  }
  return goldens;
}

std::string ManifestJson(const std::vector<Golden>& goldens) {
  std::string json = "{\n";
  for (size_t i = 0; i < goldens.size(); ++i) {
    json += goldens[i].Manifest() + (i + 1 < goldens.size() ? ",\n" : "\n");
  }
  return json + "}\n";
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(f.good()) << "cannot write " << path;
}

TEST(GoldenMkvTest, WriterOutputMatchesTheGoldens) {
  std::vector<Golden> goldens = BuildGoldens();
  ASSERT_EQ(goldens.size(), 5u);
  std::string manifest = ManifestJson(goldens);
  if (const char* out = std::getenv("KVS_WRITE_GOLDEN")) {
    for (const Golden& g : goldens) {
      WriteFile(std::string(out) + "/" + g.name(),
                std::string(g.bytes().begin(), g.bytes().end()));
    }
    WriteFile(std::string(out) + "/manifest.json", manifest);
    return;
  }
  const char* source = std::getenv("KVS_SOURCE_DIR");
  ASSERT_NE(source, nullptr) << "KVS_SOURCE_DIR is not set (meson test sets "
                                "it)";
  std::string dir = std::string(source) + "/tests/data/golden/";
  size_t total = 0;
  for (const Golden& g : goldens) {
    Bytes golden = kvs_test::ReadFileBytes(dir + g.name());
    total += golden.size();
    const Bytes& now = g.bytes();
    size_t first = 0;
    while (first < golden.size() && first < now.size() &&
           golden[first] == now[first]) {
      ++first;
    }
    EXPECT_TRUE(golden == now)
        << g.name() << ": the writer now differs from the golden at byte "
        << first << " (golden " << golden.size() << " bytes, now " << now.size()
        << "); if intended, run scripts/make-golden";
  }
  EXPECT_EQ(kvs_test::ReadFileText(dir + "manifest.json"), manifest);
  EXPECT_LT(total, 50u * 1024) << "goldens must stay tiny";
}

}  // namespace
}  // namespace mkv
}  // namespace kvs
