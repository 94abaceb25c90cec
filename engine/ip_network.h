// IP addresses and CIDR networks for the Sigma `cidr` modifier, parsed by hand (the engine includes no
// socket headers). IPv4 is held as an IPv4-mapped IPv6 address so one comparison covers both.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace auditstream {

using IpAddress = std::array<std::uint8_t, 16>;

// "10.1.2.3", "::1", "fe80::1%eth0" (zone dropped), "::ffff:1.2.3.4".
std::optional<IpAddress> parseIpAddress(std::string_view text);

struct IpNetwork {
  IpAddress base{};
  int prefixBits = 0;  // of the 128-bit form

  bool contains(const IpAddress& address) const;
};

// "10.0.0.0/8", "2001:db8::/32"; a bare address is a /32 or /128.
std::optional<IpNetwork> parseIpNetwork(std::string_view text);

}  // namespace auditstream
