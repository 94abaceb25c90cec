#include "engine/ip_network.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

bool inNetwork(std::string_view network, std::string_view address) {
  const auto parsedNetwork = parseIpNetwork(network);
  const auto parsedAddress = parseIpAddress(address);
  EXPECT_TRUE(parsedNetwork.has_value()) << network;
  return parsedNetwork && parsedAddress && parsedNetwork->contains(*parsedAddress);
}

TEST(IpNetwork, Ipv4) {
  EXPECT_TRUE(inNetwork("10.0.0.0/8", "10.255.1.2"));
  EXPECT_FALSE(inNetwork("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(inNetwork("192.168.1.7", "192.168.1.7"));
  EXPECT_TRUE(inNetwork("0.0.0.0/0", "8.8.8.8"));
  EXPECT_FALSE(inNetwork("172.16.0.0/12", "172.32.0.1"));
}

TEST(IpNetwork, Ipv6AndMapped) {
  EXPECT_TRUE(inNetwork("2001:db8::/32", "2001:db8:1::5"));
  EXPECT_FALSE(inNetwork("2001:db8::/32", "2001:db9::1"));
  EXPECT_TRUE(inNetwork("::1/128", "::1"));
  EXPECT_TRUE(inNetwork("fe80::/10", "fe80::1%eth0"));
  EXPECT_TRUE(inNetwork("10.0.0.0/8", "::ffff:10.1.2.3"));
}

TEST(IpNetwork, RejectsMalformed) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0", "1.2.3.256", "::1/129", "1:2:3:4:5:6:7:8:9", "1::2::3", "x", ""}) {
    EXPECT_FALSE(parseIpNetwork(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parseIpAddress("10.0.0.1/8").has_value());
}

}  // namespace
}  // namespace auditstream
