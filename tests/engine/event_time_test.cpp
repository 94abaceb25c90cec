#include "engine/event_time.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

std::int64_t nanos(std::string_view text) {
  const auto parsed = parseRfc3339(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed ? parsed->nanosSinceEpoch : -1;
}

TEST(ParseRfc3339, AuditMicroTime) {
  // stageTimestamp of ../shared/datasets/falco-k8saudit/k8s_audit/create_configmap.json style events.
  EXPECT_EQ(nanos("2019-01-23T02:37:30.675718Z"), 1548211050675718000);
}

TEST(ParseRfc3339, WholeSecondsAndEpoch) {
  EXPECT_EQ(nanos("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(nanos("2017-09-13T14:15:18Z"), 1505312118000000000);
}

TEST(ParseRfc3339, OffsetsAreNormalisedToUtc) {
  EXPECT_EQ(nanos("2026-01-01T02:00:00+02:00"), nanos("2026-01-01T00:00:00Z"));
  EXPECT_EQ(nanos("2025-12-31T23:30:00-00:30"), nanos("2026-01-01T00:00:00Z"));
}

TEST(ParseRfc3339, FractionPrecision) {
  EXPECT_EQ(nanos("1970-01-01T00:00:00.5Z"), 500000000);
  EXPECT_EQ(nanos("1970-01-01T00:00:00.123456789Z"), 123456789);
  EXPECT_EQ(nanos("1970-01-01T00:00:00.1234567891234Z"), 123456789);  // truncated, not rounded
}

TEST(ParseRfc3339, BeforeEpochAndLeapDay) {
  EXPECT_EQ(nanos("1969-12-31T23:59:59Z"), -1000000000);
  EXPECT_EQ(nanos("2024-02-29T00:00:00Z") - nanos("2024-02-28T00:00:00Z"), 86400LL * 1000000000);
}

TEST(ParseRfc3339, LowercaseAndSpaceSeparator) {
  EXPECT_EQ(nanos("2026-01-01t00:00:00z"), nanos("2026-01-01 00:00:00Z"));
}

TEST(ParseRfc3339, RejectsMalformed) {
  for (const char* bad :
       {"", "2026", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk", "2026-01-01T00:00:00+2:00",
        "2026-01-01T00:00:00+02:60", "20x6-01-01T00:00:00Z", "2300-01-01T00:00:00Z", "2026-01-01X00:00:00Z"}) {
    EXPECT_FALSE(parseRfc3339(bad).has_value()) << bad;
  }
}

TEST(FormatRfc3339Nanos, RoundTrips) {
  for (const char* text :
       {"2019-01-23T02:37:30.675718000Z", "1969-12-31T23:59:59.999999999Z", "2261-12-31T23:59:59.000000001Z"}) {
    const auto parsed = parseRfc3339(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(formatRfc3339Nanos(*parsed), text);
  }
}

}  // namespace
}  // namespace auditstream
