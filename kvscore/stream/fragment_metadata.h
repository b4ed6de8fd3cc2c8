// kvscore/stream/fragment_metadata.h: fragment metadata from the
// application (the `kvs-add-metadata` event), as MKV tags.
//
// Semantics and limits (kvs-spec.md section 7; upstream-kvssink.md A.3):
//   - A tag is written before the next fragment's Cluster, so KVS stores it
//     with that fragment (read back with GetMedia/GetMediaForFragmentList).
//   - Non-persistent tags go out once, with the next fragment; the same
//     name may be queued again.
//   - Persistent tags go out with every fragment until re-sent with an
//     empty value; re-sending with a new value replaces the old one.
//   - Names are 1..128 bytes and must not start with "AWS" (reserved for
//     the service's own tags); values are at most 256 bytes.
//   - At most 10 tags per fragment (KVS rejects more with ERROR 4009):
//     persistent tags first, then the oldest queued ones; the rest wait for
//     the next fragment. At most 25 tags wait at a time (AWS's producer).
//
// Not thread-safe (the packager's lock serialises it).
#ifndef KVSCORE_STREAM_FRAGMENT_METADATA_H_
#define KVSCORE_STREAM_FRAGMENT_METADATA_H_

#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "kvscore/base/status.h"
#include "kvscore/mkv/mkv_writer.h"

namespace kvs {

class FragmentMetadata {
 public:
  static constexpr size_t kMaxNameBytes = 128;
  static constexpr size_t kMaxValueBytes = 256;
  static constexpr size_t kMaxPerFragment = 10;
  static constexpr size_t kMaxPending = 25;

  // Errors: kInvalidArgument for an empty, reserved ("AWS" prefix) or too
  // long name, or a too long value; kResourceExhausted when 25 tags already
  // wait, or a persistent tag would make more than 10. The messages say
  // which limit and what to do.
  Status Add(const std::string& name, const std::string& value,
             bool persistent);

  // The tags for the next fragment (at most 10); one-shot tags handed out
  // are removed.
  std::vector<mkv::SimpleTag> TakeForFragment();

  size_t pending() const { return persistent_.size() + once_.size(); }

 private:
  std::map<std::string, std::string> persistent_;
  std::deque<mkv::SimpleTag> once_;
};

}  // namespace kvs

#endif  // KVSCORE_STREAM_FRAGMENT_METADATA_H_
