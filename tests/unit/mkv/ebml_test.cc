#include "kvscore/mkv/ebml.h"

#include <gtest/gtest.h>

#include <vector>

namespace kvs {
namespace mkv {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(EbmlTest, VintLengthBoundaries) {
  EXPECT_EQ(VintLength(0), 1);
  EXPECT_EQ(VintLength(126), 1);  // 0x7F would be all ones: reserved.
  EXPECT_EQ(VintLength(127), 2);
  EXPECT_EQ(VintLength(16382), 2);
  EXPECT_EQ(VintLength(16383), 3);
  EXPECT_EQ(VintLength(kMaxVintValue), 8);
}

TEST(EbmlTest, SizesAreShortestVints) {
  Bytes out;
  AppendSize(&out, 0);
  AppendSize(&out, 126);
  AppendSize(&out, 127);
  AppendSize(&out, 300, 4);
  EXPECT_EQ(out, (Bytes{
                     0x80,                    // 0, 1 byte
                     0xFE,                    // 126, 1 byte
                     0x40, 0x7F,              // 127, 2 bytes
                     0x10, 0x00, 0x01, 0x2C,  // 300 forced to 4 bytes
                 }));
}

TEST(EbmlTest, IdsKeepTheirWidth) {
  Bytes out;
  AppendId(&out, kSimpleBlock);
  AppendId(&out, kCodecPrivate);
  AppendId(&out, kTimestampScale);
  AppendId(&out, kCluster);
  EXPECT_EQ(out, (Bytes{
                     0xA3,                    // SimpleBlock
                     0x63, 0xA2,              // CodecPrivate
                     0x2A, 0xD7, 0xB1,        // TimestampScale
                     0x1F, 0x43, 0xB6, 0x75,  // Cluster
                 }));
}

TEST(EbmlTest, UintFloatStringBinary) {
  Bytes out;
  AppendUint(&out, kTrackNumber, 0);
  AppendUint(&out, kTimestampScale, 1000000);
  AppendFloat(&out, kSamplingFrequency, 48000.0);
  AppendString(&out, kCodecId, "A_AAC");
  AppendBinary(&out, kCodecPrivate, Bytes{0x11, 0x90});
  EXPECT_EQ(out,
            (Bytes{
                0xD7, 0x81, 0x00,                         // TrackNumber 0
                0x2A, 0xD7, 0xB1, 0x83,                   // TimestampScale,
                0x0F, 0x42, 0x40,                         //   1000000
                0xB5, 0x88, 0x40, 0xE7, 0x70, 0x00,       // SamplingFrequency
                0x00, 0x00, 0x00, 0x00,                   //   48000.0
                0x86, 0x85, 'A',  '_',  'A',  'A',  'C',  // CodecID "A_AAC"
                0x63, 0xA2, 0x82, 0x11, 0x90,             // CodecPrivate 11 90
            }));
}

TEST(EbmlTest, MasterAndUnknownSize) {
  Bytes children;
  AppendUint(&children, kPixelWidth, 640);
  Bytes out;
  AppendMaster(&out, kVideo, children);
  AppendId(&out, kSegment);
  AppendUnknownSize(&out);
  EXPECT_EQ(out, (Bytes{
                     0xE0, 0x84,              // Video, 4 bytes
                     0xB0, 0x82, 0x02, 0x80,  //   PixelWidth 640
                     0x18, 0x53, 0x80, 0x67,  // Segment
                     0xFF,                    //   unknown size
                 }));
}

}  // namespace
}  // namespace mkv
}  // namespace kvs
