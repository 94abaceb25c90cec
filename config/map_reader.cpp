#include "config/map_reader.h"

#include "engine/correlation_spec.h"

namespace auditstream {

std::optional<std::int64_t> parseDuration(const std::string& text) {
  if (text.size() > 2 && text.ends_with("ms")) {
    std::int64_t millis = 0;
    const char* end = text.data() + text.size() - 2;
    const auto [stop, error] = std::from_chars(text.data(), end, millis);
    if (error != std::errc() || stop != end || millis <= 0) return std::nullopt;
    return millis * 1'000'000;
  }
  return parseTimespan(text);
}

}  // namespace auditstream
