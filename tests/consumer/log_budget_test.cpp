#include "consumer/log_budget.h"

#include <gtest/gtest.h>

#include "common/manual_clock.h"

namespace auditstream {
namespace {

TEST(LogBudget, AllowsSoManyLinesPerWindowAndThenSaysHowManyWereLeftOut) {
  ManualClock clock;
  LogBudget budget(clock, 3, std::chrono::seconds(1));
  std::uint64_t leftOut = 99;
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += budget.allow(leftOut) ? 1 : 0;
  EXPECT_EQ(allowed, 3);
  clock.advance(std::chrono::milliseconds(999));
  EXPECT_FALSE(budget.allow(leftOut));  // still the same window
  clock.advance(std::chrono::milliseconds(1));
  ASSERT_TRUE(budget.allow(leftOut));
  EXPECT_EQ(leftOut, 8U);  // 7 in the burst, 1 just before the window turned
  ASSERT_TRUE(budget.allow(leftOut));
  EXPECT_EQ(leftOut, 0U);  // reported once
}

}  // namespace
}  // namespace auditstream
