#include "engine/ip_network.h"

#include <charconv>
#include <vector>

namespace auditstream {
namespace {

std::optional<std::array<std::uint8_t, 4>> parseIpv4(std::string_view text) {
  std::array<std::uint8_t, 4> bytes{};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t dot = i < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos || dot == 0 || dot > 3) return std::nullopt;
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + dot, value);
    if (error != std::errc() || end != text.data() + dot || value > 255) return std::nullopt;
    bytes[i] = static_cast<std::uint8_t>(value);
    text.remove_prefix(i < 3 ? dot + 1 : dot);
  }
  return bytes;
}

IpAddress mapped(const std::array<std::uint8_t, 4>& v4) {
  IpAddress address{};
  address[10] = address[11] = 0xff;
  for (std::size_t i = 0; i < 4; ++i) address[12 + i] = v4[i];
  return address;
}

std::optional<IpAddress> parseIpv6(std::string_view text) {
  const std::size_t percent = text.find('%');
  if (percent != std::string_view::npos) text = text.substr(0, percent);
  std::vector<std::uint16_t> head;
  std::vector<std::uint16_t> tail;
  bool compressed = false;
  std::optional<std::array<std::uint8_t, 4>> embedded;
  if (text.substr(0, 2) == "::") {
    compressed = true;
    text.remove_prefix(2);
  }
  while (!text.empty()) {
    const std::size_t colon = text.find(':');
    const std::string_view group = text.substr(0, colon);
    if (group.find('.') != std::string_view::npos) {
      if (colon != std::string_view::npos || !(embedded = parseIpv4(group))) return std::nullopt;
      break;
    }
    unsigned value = 0;
    const auto [end, error] = std::from_chars(group.data(), group.data() + group.size(), value, 16);
    if (group.empty() || group.size() > 4 || error != std::errc() || end != group.data() + group.size()) {
      return std::nullopt;
    }
    (compressed ? tail : head).push_back(static_cast<std::uint16_t>(value));
    if (colon == std::string_view::npos) break;
    text.remove_prefix(colon + 1);
    if (!text.empty() && text.front() == ':') {
      if (compressed) return std::nullopt;
      compressed = true;
      text.remove_prefix(1);
    } else if (text.empty()) {
      return std::nullopt;
    }
  }
  const std::size_t groups = head.size() + tail.size() + (embedded ? 2 : 0);
  if (groups > 8 || (!compressed && groups != 8)) return std::nullopt;
  IpAddress address{};
  std::size_t index = 0;
  for (std::uint16_t group : head) {
    address[index++] = static_cast<std::uint8_t>(group >> 8);
    address[index++] = static_cast<std::uint8_t>(group & 0xff);
  }
  index = 16 - 2 * tail.size() - (embedded ? 4 : 0);
  for (std::uint16_t group : tail) {
    address[index++] = static_cast<std::uint8_t>(group >> 8);
    address[index++] = static_cast<std::uint8_t>(group & 0xff);
  }
  if (embedded) {
    for (std::uint8_t byte : *embedded) address[index++] = byte;
  }
  return address;
}

}  // namespace

std::optional<IpAddress> parseIpAddress(std::string_view text) {
  if (text.find(':') == std::string_view::npos) {
    const auto v4 = parseIpv4(text);
    return v4 ? std::optional<IpAddress>(mapped(*v4)) : std::nullopt;
  }
  return parseIpv6(text);
}

bool IpNetwork::contains(const IpAddress& address) const {
  int bits = prefixBits;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff);
    if ((address[i] & mask) != (base[i] & mask)) return false;
  }
  return true;
}

std::optional<IpNetwork> parseIpNetwork(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string_view host = text.substr(0, slash);
  const auto address = parseIpAddress(host);
  if (!address) return std::nullopt;
  const bool v4 = host.find(':') == std::string_view::npos;
  int prefix = v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || prefix < 0 ||
        prefix > (v4 ? 32 : 128)) {
      return std::nullopt;
    }
  }
  return IpNetwork{*address, v4 ? prefix + 96 : prefix};
}

}  // namespace auditstream
