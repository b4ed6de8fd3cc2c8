#include "kvscore/stream/fragment_metadata.h"

namespace kvs {
namespace {

Status Invalid(const std::string& message) {
  return Status(StatusCode::kInvalidArgument, "fragment metadata: " + message);
}

}  // namespace

Status FragmentMetadata::Add(const std::string& name, const std::string& value,
                             bool persistent) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return Invalid("name must be 1 to 128 bytes, got " +
                   std::to_string(name.size()));
  }
  if (name.compare(0, 3, "AWS") == 0) {
    return Invalid("name '" + name +
                   "' starts with AWS, which is reserved for the service");
  }
  if (value.size() > kMaxValueBytes) {
    return Invalid("value of '" + name + "' is " +
                   std::to_string(value.size()) + " bytes; at most 256");
  }
  if (persistent) {
    if (value.empty()) {
      persistent_.erase(name);  // An empty value cancels a persistent tag.
      return Status::Ok();
    }
    bool replacing = persistent_.count(name) > 0;
    if (!replacing && persistent_.size() >= kMaxPerFragment) {
      return Status(StatusCode::kResourceExhausted,
                    "fragment metadata: at most 10 persistent tags; cancel "
                    "one by sending it with an empty value");
    }
    if (!replacing && pending() >= kMaxPending) {
      return Status(StatusCode::kResourceExhausted,
                    "fragment metadata: 25 tags already wait for fragments");
    }
    persistent_[name] = value;
    return Status::Ok();
  }
  if (pending() >= kMaxPending) {
    return Status(StatusCode::kResourceExhausted,
                  "fragment metadata: 25 tags already wait for fragments");
  }
  once_.emplace_back(name, value);
  return Status::Ok();
}

std::vector<mkv::SimpleTag> FragmentMetadata::TakeForFragment() {
  std::vector<mkv::SimpleTag> tags(persistent_.begin(), persistent_.end());
  while (!once_.empty() && tags.size() < kMaxPerFragment) {
    tags.push_back(std::move(once_.front()));
    once_.pop_front();
  }
  return tags;
}

}  // namespace kvs
