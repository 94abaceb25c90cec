#include "engine/library_versions.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

// Debian 12 ships simdjson 3.0.1 and Hyperscan 5.4.0; ARCHITECTURE.md's measured limits assume those.
TEST(LibraryVersions, MatchTheDebian12PackagesTheDesignWasMeasuredOn) {
  EXPECT_EQ(simdjsonVersion().substr(0, 2), "3.");
  EXPECT_EQ(hyperscanVersion().substr(0, 2), "5.");
}

TEST(LibraryVersions, ThisMachineRunsHyperscanAndAFastSimdjsonKernel) {
  EXPECT_TRUE(checkHyperscanPlatform().isOk()) << checkHyperscanPlatform();
  EXPECT_NE(simdjsonActiveImplementation(), "fallback");
}

}  // namespace
}  // namespace auditstream
