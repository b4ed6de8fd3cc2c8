#include "tests/unit/codec/mp4_boxes.h"

#include <cstring>

namespace kvs_test {
namespace {

struct Box {
  std::string type;
  size_t payload = 0;  // offset of the payload
  size_t end = 0;      // offset one past the box
};

uint64_t Be(const std::vector<uint8_t>& f, size_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | f[at + i];
  return v;
}

// The boxes in [begin, end); stops at the first malformed one.
std::vector<Box> Children(const std::vector<uint8_t>& f, size_t begin,
                          size_t end) {
  std::vector<Box> boxes;
  size_t pos = begin;
  while (end - pos >= 8 && pos < end) {
    uint64_t size = Be(f, pos, 4);
    size_t header = 8;
    if (size == 1 && end - pos >= 16) {
      size = Be(f, pos + 8, 8);
      header = 16;
    } else if (size == 0) {
      size = end - pos;
    }
    if (size < header || size > end - pos) break;
    boxes.push_back({std::string(reinterpret_cast<const char*>(&f[pos + 4]), 4),
                     pos + header, pos + static_cast<size_t>(size)});
    pos += static_cast<size_t>(size);
  }
  return boxes;
}

const Box* Find(const std::vector<Box>& boxes, const char* type) {
  for (const Box& b : boxes) {
    if (b.type == type) return &b;
  }
  return nullptr;
}

// An MPEG-4 descriptor: tag, then a size in 7-bit groups (14496-1 8.3.3).
bool ReadDescriptor(const std::vector<uint8_t>& f, size_t* pos, size_t end,
                    uint8_t* tag, size_t* size) {
  if (*pos >= end) return false;
  *tag = f[(*pos)++];
  *size = 0;
  for (int i = 0; i < 4; ++i) {
    if (*pos >= end) return false;
    const uint8_t b = f[(*pos)++];
    *size = (*size << 7) | (b & 0x7f);
    if (!(b & 0x80)) break;
  }
  return *size <= end - *pos;
}

// esds payload -> DecoderSpecificInfo bytes (the ASC).
std::vector<uint8_t> AscFromEsds(const std::vector<uint8_t>& f, size_t pos,
                                 size_t end) {
  pos += 4;  // FullBox version and flags
  uint8_t tag = 0;
  size_t size = 0;
  if (!ReadDescriptor(f, &pos, end, &tag, &size) || tag != 0x03) return {};
  if (end - pos < 3) return {};
  const uint8_t flags = f[pos + 2];
  pos += 3;                                          // ES_ID, flags
  if (flags & 0x80) pos += 2;                        // dependsOn_ES_ID
  if (flags & 0x40 && pos < end) pos += 1 + f[pos];  // URL
  if (flags & 0x20) pos += 2;                        // OCR_ES_Id
  if (pos > end || !ReadDescriptor(f, &pos, end, &tag, &size) || tag != 0x04) {
    return {};
  }
  pos += 13;  // objectTypeIndication .. avgBitrate
  if (pos > end || !ReadDescriptor(f, &pos, end, &tag, &size) || tag != 0x05) {
    return {};
  }
  return std::vector<uint8_t>(f.begin() + pos, f.begin() + pos + size);
}

void ReadVisualEntry(const std::vector<uint8_t>& f, const Box& entry,
                     Mp4Track* t) {
  const size_t fields = entry.payload + 78;  // SampleEntry + VisualSampleEntry
  if (fields > entry.end) return;
  t->entry_width = static_cast<uint16_t>(Be(f, entry.payload + 24, 2));
  t->entry_height = static_cast<uint16_t>(Be(f, entry.payload + 26, 2));
  for (const Box& child : Children(f, fields, entry.end)) {
    if (child.type == "avcC" || child.type == "hvcC") {
      t->config_box = child.type;
      t->config.assign(f.begin() + child.payload, f.begin() + child.end);
    }
  }
}

void FindEsds(const std::vector<uint8_t>& f, size_t begin, size_t end,
              Mp4Track* t) {
  for (const Box& child : Children(f, begin, end)) {
    if (child.type == "esds") {
      t->config_box = "esds";
      t->config = AscFromEsds(f, child.payload, child.end);
    } else if (child.type == "wave") {  // QuickTime wrapper
      FindEsds(f, child.payload, child.end, t);
    }
  }
}

void ReadAudioEntry(const std::vector<uint8_t>& f, const Box& entry,
                    Mp4Track* t) {
  if (entry.payload + 28 > entry.end) return;
  const uint64_t version = Be(f, entry.payload + 8, 2);  // QuickTime
  t->entry_channels = static_cast<uint16_t>(Be(f, entry.payload + 16, 2));
  t->entry_sample_rate =
      static_cast<uint32_t>(Be(f, entry.payload + 24, 4) >> 16);
  const size_t extra = version == 1 ? 16 : version == 2 ? 36 : 0;
  if (entry.payload + 28 + extra > entry.end) return;
  FindEsds(f, entry.payload + 28 + extra, entry.end, t);
}

// Offset and size of sample 1 from stsz and stco/co64.
void ReadFirstSample(const std::vector<uint8_t>& f,
                     const std::vector<Box>& stbl, Mp4Track* t) {
  const Box* stsz = Find(stbl, "stsz");
  const Box* stco = Find(stbl, "stco");
  const Box* co64 = Find(stbl, "co64");
  if (!stsz || stsz->end - stsz->payload < 16 || (!stco && !co64)) return;
  uint64_t size = Be(f, stsz->payload + 4, 4);
  if (size == 0) size = Be(f, stsz->payload + 12, 4);
  const Box* co = stco ? stco : co64;
  if (co->end - co->payload < (stco ? 12u : 16u)) return;
  const uint64_t offset = Be(f, co->payload + 8, stco ? 4 : 8);
  if (offset > f.size() || size > f.size() - offset) return;
  t->first_sample.assign(f.begin() + offset, f.begin() + offset + size);
}

void ReadTrack(const std::vector<uint8_t>& f, const Box& trak,
               std::vector<Mp4Track>* out) {
  const char* path[] = {"mdia", "minf", "stbl"};
  std::vector<Box> level = Children(f, trak.payload, trak.end);
  for (const char* name : path) {
    const Box* b = Find(level, name);
    if (!b) return;
    level = Children(f, b->payload, b->end);
  }
  const Box* stsd = Find(level, "stsd");
  if (!stsd || stsd->payload + 8 > stsd->end) return;
  const std::vector<Box> entries = Children(f, stsd->payload + 8, stsd->end);
  if (entries.empty()) return;
  Mp4Track t;
  t.sample_entry = entries[0].type;
  if (t.sample_entry == "mp4a") {
    ReadAudioEntry(f, entries[0], &t);
  } else {
    ReadVisualEntry(f, entries[0], &t);
  }
  ReadFirstSample(f, level, &t);
  out->push_back(std::move(t));
}

}  // namespace

std::vector<Mp4Track> ReadMp4Tracks(const std::vector<uint8_t>& file) {
  std::vector<Mp4Track> tracks;
  const Box* moov = nullptr;
  const std::vector<Box> top = Children(file, 0, file.size());
  moov = Find(top, "moov");
  if (!moov) return tracks;
  for (const Box& b : Children(file, moov->payload, moov->end)) {
    if (b.type == "trak") ReadTrack(file, b, &tracks);
  }
  return tracks;
}

}  // namespace kvs_test
