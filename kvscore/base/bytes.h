// kvscore/base/bytes.h: byte views and reference-counted byte buffers.
//
// `ByteSpan` is a non-owning view (C++17 has no std::span).
//
// `Bytes` is an immutable, reference-counted block of bytes. Frame payloads
// enter kvscore as `BytesRef`s: the element wraps a mapped GstBuffer in a
// subclass whose destructor unmaps and unrefs it, so frame data is referenced,
// not copied, from the GstBuffer until the upload copies it into the socket
// buffer. Small MKV headers that kvscore writes itself are `OwnedBytes`.
#ifndef KVSCORE_BASE_BYTES_H_
#define KVSCORE_BASE_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kvs {

struct ByteSpan {
  const uint8_t* data = nullptr;
  size_t size = 0;

  ByteSpan() = default;
  ByteSpan(const uint8_t* d, size_t n) : data(d), size(n) {}
  ByteSpan(const std::vector<uint8_t>& v)  // NOLINT: implicit view.
      : data(v.data()), size(v.size()) {}

  bool empty() const { return size == 0; }
  const uint8_t* begin() const { return data; }
  const uint8_t* end() const { return data + size; }
  uint8_t operator[](size_t i) const { return data[i]; }
  // Bytes [offset, offset + n), clamped to the span.
  ByteSpan subspan(size_t offset, size_t n = SIZE_MAX) const {
    if (offset > size) offset = size;
    if (n > size - offset) n = size - offset;
    return ByteSpan(data + offset, n);
  }
  std::vector<uint8_t> ToVector() const {
    return std::vector<uint8_t>(begin(), end());
  }
};

// An immutable block of bytes that lives as long as any reference to it.
// Thread-safe to read from any thread; released on whichever thread drops
// the last reference (so subclasses' destructors must be thread-safe).
class Bytes {
 public:
  virtual ~Bytes() = default;
  virtual const uint8_t* data() const = 0;
  virtual size_t size() const = 0;
  ByteSpan span() const { return ByteSpan(data(), size()); }
};

using BytesRef = std::shared_ptr<const Bytes>;

// Bytes that own a std::vector.
class OwnedBytes final : public Bytes {
 public:
  explicit OwnedBytes(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  const uint8_t* data() const override { return bytes_.data(); }
  size_t size() const override { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
};

inline BytesRef MakeBytes(std::vector<uint8_t> bytes) {
  return std::make_shared<OwnedBytes>(std::move(bytes));
}
inline BytesRef CopyBytes(ByteSpan span) {
  return std::make_shared<OwnedBytes>(span.ToVector());
}

// Lower-case hex of `span`, e.g. "01f4000d".
std::string ToHex(ByteSpan span);

}  // namespace kvs

#endif  // KVSCORE_BASE_BYTES_H_
