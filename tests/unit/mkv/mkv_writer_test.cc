#include "kvscore/mkv/mkv_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace kvs {
namespace mkv {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(MkvWriterTest, SessionHeaderIsByteExact) {
  SegmentInfo info;
  info.segment_uid.fill(0x55);
  info.title = "t";
  info.muxing_app = "m";
  info.writing_app = "w";
  TrackEntry video;
  video.number = 1;
  video.uid = 1;
  video.type = TrackType::kVideo;
  video.name = "v";
  video.codec_id = "V_MPEG4/ISO/AVC";
  video.codec_private = {0x01, 0x64, 0x00, 0x1E};
  video.pixel_width = 640;
  video.pixel_height = 480;
  Result<Bytes> header = SessionHeader(info, {video});
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  const Bytes expected = {
      0x1A, 0x45, 0xDF, 0xA3, 0xA3,  // EBML, 35 bytes
      0x42, 0x86, 0x81, 0x01,        //   EBMLVersion 1
      0x42, 0xF7, 0x81, 0x01,        //   EBMLReadVersion 1
      0x42, 0xF2, 0x81, 0x04,        //   EBMLMaxIDLength 4
      0x42, 0xF3, 0x81, 0x08,        //   EBMLMaxSizeLength 8
      0x42, 0x82, 0x88, 'm',  'a',  't',  'r',  'o',  's', 'k', 'a',  // DocType
      0x42, 0x87, 0x81, 0x02,        //   DocTypeVersion 2
      0x42, 0x85, 0x81, 0x02,        //   DocTypeReadVersion 2
      0x18, 0x53, 0x80, 0x67, 0xFF,  // Segment, unknown size
      0x15, 0x49, 0xA9, 0x66, 0xA6,  //   Info, 38 bytes
      0x73, 0xA4, 0x90,              //     SegmentUID, 16 bytes
      0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,  //
      0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,  //
      0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40,  //     TimestampScale 1 ms
      0x7B, 0xA9, 0x81, 't',                     //     Title "t"
      0x4D, 0x80, 0x81, 'm',                     //     MuxingApp "m"
      0x57, 0x41, 0x81, 'w',                     //     WritingApp "w"
      0x16, 0x54, 0xAE, 0x6B, 0xB5,              //   Tracks, 53 bytes
      0xAE, 0xB3,                                //     TrackEntry, 51 bytes
      0xD7, 0x81, 0x01,                          //       TrackNumber 1
      0x73, 0xC5, 0x81, 0x01,                    //       TrackUID 1
      0x83, 0x81, 0x01,                          //       TrackType 1 (video)
      0x9C, 0x81, 0x00,                          //       FlagLacing 0
      0x53, 0x6E, 0x81, 'v',                     //       Name "v"
      0x86, 0x8F, 'V',  '_',  'M',  'P',  'E',  'G',  '4', '/',  // CodecID
      'I',  'S',  'O',  '/',  'A',  'V',  'C',                   //
      0xE0, 0x88,                                //       Video, 8 bytes
      0xB0, 0x82, 0x02, 0x80,                    //         PixelWidth 640
      0xBA, 0x82, 0x01, 0xE0,                    //         PixelHeight 480
      0x63, 0xA2, 0x84, 0x01, 0x64, 0x00, 0x1E,  // CodecPrivate
  };
  EXPECT_EQ(*header, expected);
}

TEST(MkvWriterTest, AudioTrackEntry) {
  TrackEntry audio;
  audio.number = 2;
  audio.uid = 2;
  audio.type = TrackType::kAudio;
  audio.codec_id = "A_MS/ACM";
  audio.sampling_frequency_hz = 8000;
  audio.channels = 1;
  audio.bit_depth = 8;
  TrackEntry video;
  video.codec_id = "V_MPEG4/ISO/AVC";
  Result<Bytes> header = SessionHeader(SegmentInfo(), {video, audio});
  ASSERT_TRUE(header.ok());
  const Bytes audio_element = {
      0xE1, 0x91,                                   // Audio, 17 bytes
      0xB5, 0x88, 0x40, 0xBF, 0x40, 0, 0, 0, 0, 0,  //   SamplingFrequency
      0x9F, 0x81, 0x01,                             //   Channels 1
      0x62, 0x64, 0x81, 0x08,                       //   BitDepth 8
  };
  auto it = std::search(header->begin(), header->end(), audio_element.begin(),
                        audio_element.end());
  EXPECT_NE(it, header->end());
  // The video entry has no size, so it carries no Video element.
  EXPECT_EQ(std::count(header->begin(), header->end(), 0xE0), 0);
}

TEST(MkvWriterTest, RejectsBadTrackSets) {
  TrackEntry t;
  t.codec_id = "V_MPEG4/ISO/AVC";
  EXPECT_EQ(SessionHeader(SegmentInfo(), {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(SessionHeader(SegmentInfo(), {t, t}).ok());  // duplicate 1
  TrackEntry a = t, b = t, c = t, d = t;
  b.number = 2;
  c.number = 3;
  d.number = 4;
  EXPECT_FALSE(SessionHeader(SegmentInfo(), {a, b, c, d}).ok());  // > 3
  t.number = 128;
  EXPECT_FALSE(SessionHeader(SegmentInfo(), {t}).ok());
  t.number = 1;
  t.codec_id.clear();
  EXPECT_FALSE(SessionHeader(SegmentInfo(), {t}).ok());
}

TEST(MkvWriterTest, ClusterStartAndSimpleBlockHeader) {
  Bytes cluster = ClusterStart(1795262660292);  // epoch ms
  EXPECT_EQ(cluster, (Bytes{
                         0x1F,
                         0x43,
                         0xB6,
                         0x75,  // Cluster
                         0xFF,  //   unknown size
                         0xE7,
                         0x86,  //   Timestamp, 6 bytes
                         0x01,
                         0xA1,
                         0xFD,
                         0xFE,
                         0x3E,
                         0xC4,
                     }));
  EXPECT_EQ(SimpleBlockHeader(1, -2, kBlockFlagKeyframe, 6392),
            (Bytes{
                0xA3,        // SimpleBlock
                0x58, 0xFC,  //   size 6396 = 4 + 6392
                0x81,        //   track 1
                0xFF, 0xFE,  //   timestamp -2 (int16)
                0x80,        //   flags: keyframe
            }));
  EXPECT_EQ(SimpleBlockHeader(2, 300, 0, 10),
            (Bytes{0xA3, 0x8E, 0x82, 0x01, 0x2C, 0x00}));
}

TEST(MkvWriterTest, EndOfFragmentTags) {
  const Bytes expected = {
      0x12, 0x54, 0xC3, 0x67, 0xAC,  // Tags, 44 bytes
      0x73, 0x73, 0xA9,              //   Tag, 41 bytes
      0x67, 0xC8, 0xA6,              //     SimpleTag, 38 bytes
      0x45, 0xA3, 0xA0,              //       TagName, 32 bytes
      'A',  'W',  'S',  '_',  'K',  'I', 'N', 'E', 'S', 'I', 'S',
      'V',  'I',  'D',  'E',  'O',  '_', 'E', 'N', 'D', '_', 'O',
      'F',  '_',  'F',  'R',  'A',  'G', 'M', 'E', 'N', 'T',  //
      0x44, 0x87, 0x80,  //       TagString ""
  };
  EXPECT_EQ(EndOfFragmentTags(), expected);
}

}  // namespace
}  // namespace mkv
}  // namespace kvs

namespace kvs {
namespace mkv {
namespace {

TEST(MkvWriterTest, AllocationFreeBlockHeaderMatches) {
  for (size_t payload : {0u, 10u, 122u, 123u, 16380u, 16381u, 3000000u}) {
    for (int16_t rel :
         {int16_t{-32768}, int16_t{-1}, int16_t{0}, int16_t{32767}}) {
      SimpleBlockHeaderBytes fast =
          MakeSimpleBlockHeader(2, rel, 0x80, payload);
      std::vector<uint8_t> slow = SimpleBlockHeader(2, rel, 0x80, payload);
      EXPECT_EQ(std::vector<uint8_t>(fast.data, fast.data + fast.size), slow)
          << payload << " " << rel;
    }
  }
  EXPECT_EQ(SharedEndOfFragmentTags()->span().ToVector(), EndOfFragmentTags());
}

}  // namespace
}  // namespace mkv
}  // namespace kvs
