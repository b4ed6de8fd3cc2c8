// tests/unit/stream/mkv_walker.h: a small, independent EBML reader for
// packager tests. It walks a PutMedia body (one or more EBML documents) and
// lists what a KVS parser would see: segments with their track count,
// tags, clusters and their SimpleBlocks. Test code only; it shares nothing
// with kvscore/mkv (ReadAllBodies only drains a kvscore ContentStore).
#ifndef TESTS_UNIT_STREAM_MKV_WALKER_H_
#define TESTS_UNIT_STREAM_MKV_WALKER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kvscore/store/content_store.h"

namespace kvs_test {

struct WalkedBlock {
  uint64_t track = 0;
  int16_t relative = 0;
  uint8_t flags = 0;
  size_t payload_size = 0;
  std::vector<uint8_t> payload_head;  // First bytes of the payload.
};

struct WalkedCluster {
  int64_t timecode = -1;
  std::vector<WalkedBlock> blocks;
  std::vector<std::string> tags_before;  // "name=value" of preceding Tags.
  bool end_of_fragment_after = false;    // An EoFR tag follows the cluster.
};

struct WalkedSegment {
  int tracks = 0;
  std::vector<std::string> codec_ids;
  std::vector<WalkedCluster> clusters;
};

// Returns the segments of `body`; sets *error on malformed input.
std::vector<WalkedSegment> WalkBody(const std::vector<uint8_t>& body,
                                    std::string* error);

// Everything `store` hands a reader, body after body (a header change ends
// a body: ReadState::kBoundary), concatenated as a PutMedia upload would
// send it across sessions. Frees what the store's rule frees on read.
std::vector<uint8_t> ReadAllBodies(kvs::ContentStore* store);

}  // namespace kvs_test

#endif  // TESTS_UNIT_STREAM_MKV_WALKER_H_
