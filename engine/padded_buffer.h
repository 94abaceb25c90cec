// PaddedBuffer: a reusable byte buffer with simdjson's required padding after the data, so messages are
// parsed in place after one copy and without an allocation per message once it has grown.
// Owned by one parsing thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace auditstream {

class PaddedBuffer {
 public:
  PaddedBuffer() = default;
  PaddedBuffer(const PaddedBuffer&) = delete;
  PaddedBuffer& operator=(const PaddedBuffer&) = delete;
  PaddedBuffer(PaddedBuffer&&) = default;
  PaddedBuffer& operator=(PaddedBuffer&&) = default;

  // Copies `bytes` in (the padding after them is zeroed) and returns the copy.
  std::string_view assign(std::string_view bytes);

  const char* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  // Bytes allocated from data(): size() plus at least the padding.
  std::size_t capacity() const { return capacity_; }
  // Bytes allocated from `position` (which must point into the buffer) to the end.
  std::size_t capacityFrom(const char* position) const {
    return capacity_ - static_cast<std::size_t>(position - data_.get());
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace auditstream
