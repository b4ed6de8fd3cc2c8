// tests/unit/codec/mp4_boxes.h: a minimal ISO BMFF walker for codec tests.
//
// Test-only. It reads the sample entries of an .mp4 from shared/media and
// returns each track's codec configuration: the avcC or hvcC box payload, or
// the AudioSpecificConfig inside esds (ISO/IEC 14496-12 8.5.2 sample
// entries; 14496-14 esds; 14496-1 7.2.6.5/6/7 descriptors). It also pulls a
// track's first sample so in-band parameter-set extraction can be checked
// against the stored avcC/hvcC. Bounds-checked; returns {} on a malformed
// file rather than crashing.
#ifndef TESTS_UNIT_CODEC_MP4_BOXES_H_
#define TESTS_UNIT_CODEC_MP4_BOXES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kvs_test {

struct Mp4Track {
  std::string sample_entry;     // "avc1", "hvc1", "hev1", "mp4a", ...
  std::string config_box;       // "avcC", "hvcC", "esds" or ""
  std::vector<uint8_t> config;  // avcC/hvcC payload, or the ASC for esds
  uint16_t entry_width = 0;     // visual sample entry width/height
  uint16_t entry_height = 0;
  uint16_t entry_channels = 0;        // audio sample entry channelcount
  uint32_t entry_sample_rate = 0;     // audio sample entry rate, Hz
  std::vector<uint8_t> first_sample;  // bytes of sample 1 (stsz/stco/co64)
};

// Every track with a sample entry, in file order.
std::vector<Mp4Track> ReadMp4Tracks(const std::vector<uint8_t>& file);

}  // namespace kvs_test

#endif  // TESTS_UNIT_CODEC_MP4_BOXES_H_
