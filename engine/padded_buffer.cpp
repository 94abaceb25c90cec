#include "engine/padded_buffer.h"

#include <cstring>
#include <simdjson.h>

namespace auditstream {

std::string_view PaddedBuffer::assign(std::string_view bytes) {
  const std::size_t needed = bytes.size() + simdjson::SIMDJSON_PADDING;
  if (needed > capacity_) {
    std::size_t grown = capacity_ == 0 ? 4096 : capacity_;
    while (grown < needed) grown *= 2;
    data_ = std::make_unique<char[]>(grown);  // NOLINT(cppcoreguidelines-avoid-c-arrays)
    capacity_ = grown;
  }
  if (!bytes.empty()) std::memcpy(data_.get(), bytes.data(), bytes.size());
  std::memset(data_.get() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);
  size_ = bytes.size();
  return {data_.get(), size_};
}

}  // namespace auditstream
