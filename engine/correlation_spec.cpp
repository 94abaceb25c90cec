#include "engine/correlation_spec.h"

#include <charconv>

namespace auditstream {

std::optional<std::int64_t> parseTimespan(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t amount = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size() - 1, amount);
  if (error != std::errc() || end != text.data() + text.size() - 1 || amount <= 0) return std::nullopt;
  constexpr std::int64_t kSecond = 1'000'000'000;
  switch (text.back()) {
    case 's': return amount * kSecond;
    case 'm': return amount * 60 * kSecond;
    case 'h': return amount * 3600 * kSecond;
    case 'd': return amount * 86400 * kSecond;
    default: return std::nullopt;
  }
}

}  // namespace auditstream
