#include "common/manual_clock.h"

#include <gtest/gtest.h>
#include <string>

#include "common/json_writer.h"

namespace auditstream {
namespace {

using namespace std::chrono_literals;

std::string wallText(const Clock& clock) {
  std::string text;
  appendRfc3339Millis(text, clock.wallNow());
  return text;
}

TEST(ManualClock, StartsAtAFixedInstantAndMovesOnlyWhenAdvanced) {
  ManualClock clock;
  const auto start = clock.monotonicNow();
  EXPECT_EQ(wallText(clock), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(clock.monotonicNow(), start);
  clock.advance(1500ms);
  EXPECT_EQ(clock.monotonicNow() - start, 1500ms);
  EXPECT_EQ(wallText(clock), "2026-01-01T00:00:01.500Z");
}

TEST(ManualClock, IgnoresNegativeAdvance) {
  ManualClock clock;
  const auto start = clock.monotonicNow();
  clock.advance(-5s);
  EXPECT_EQ(clock.monotonicNow(), start);
}

TEST(ManualClock, SetWallKeepsMonotonicTime) {
  ManualClock clock;
  clock.advance(10s);
  const auto monotonic = clock.monotonicNow();
  clock.setWall(Clock::WallTime(std::chrono::seconds(1'000'000'000)));
  EXPECT_EQ(wallText(clock), "2001-09-09T01:46:40.000Z");
  EXPECT_EQ(clock.monotonicNow(), monotonic);
  clock.advance(250ms);
  EXPECT_EQ(wallText(clock), "2001-09-09T01:46:40.250Z");
}

TEST(SystemClock, MovesForward) {
  SystemClock clock;
  const auto first = clock.monotonicNow();
  EXPECT_GE(clock.monotonicNow(), first);
  EXPECT_GT(clock.wallNow().time_since_epoch().count(), 0);
}

}  // namespace
}  // namespace auditstream
