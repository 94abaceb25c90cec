#include "common/result.h"

#include <gtest/gtest.h>
#include <memory>
#include <string>

namespace auditstream {
namespace {

Result<int> parsePositive(int value) {
  if (value <= 0) return invalidArgument("value (" + std::to_string(value) + ") must be positive");
  return value;
}

Result<int> doubled(int value) {
  ASSIGN_OR_RETURN(const int parsed, parsePositive(value));
  return parsed * 2;
}

TEST(Result, HoldsValue) {
  const Result<int> result = parsePositive(3);
  ASSERT_TRUE(result.isOk());
  EXPECT_EQ(*result, 3);
  EXPECT_TRUE(result.status().isOk());
}

TEST(Result, HoldsError) {
  const Result<int> result = parsePositive(-1);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "value (-1) must be positive");
  EXPECT_EQ(result.valueOr(7), 7);
}

TEST(Result, AssignOrReturnPropagates) {
  EXPECT_EQ(*doubled(4), 8);
  EXPECT_EQ(doubled(0).status().message(), "value (0) must be positive");
}

TEST(Result, WithContextOnlyTouchesErrors) {
  EXPECT_EQ(*parsePositive(2).withContext("config"), 2);
  EXPECT_EQ(parsePositive(0).withContext("config").status().message(), "config: value (0) must be positive");
}

TEST(Result, MoveOnlyValues) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(5);
  std::unique_ptr<int> owned = std::move(result).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 5);
}

TEST(Result, OkStatusWithoutValueBecomesInternalError) {
  const Result<int> result = Status::ok();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
}

TEST(ResultDeathTest, ValueOfErrorAbortsWithTheStatus) {
  const Result<int> result = notFound("topic audit.x");
  EXPECT_DEATH(static_cast<void>(result.value()), "not_found: topic audit.x");
}

}  // namespace
}  // namespace auditstream
