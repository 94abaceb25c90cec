#include "common/log.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "common/manual_clock.h"
#include "tests/support/capturing_log_sink.h"

namespace auditstream {
namespace {

using CapturingSink = testing::CapturingLogSink;

TEST(Logger, KeyValueLine) {
  ManualClock clock;
  CapturingSink sink;
  const Logger logger(clock, sink, LogLevel::kInfo, LogFormat::kKeyValue, "consumer");
  logger.info("partition assigned", {{"topic", "audit.prod"},
                                     {"partition", 3},
                                     {"lag", std::uint64_t{42}},
                                     {"paused", false},
                                     {"reason", "queue full"}});
  ASSERT_EQ(sink.lines().size(), 1U);
  EXPECT_EQ(sink.lines()[0],
            "ts=2026-01-01T00:00:00.000Z level=info component=consumer msg=\"partition assigned\" "
            "topic=audit.prod partition=3 lag=42 paused=false reason=\"queue full\"\n");
}

TEST(Logger, JsonLine) {
  ManualClock clock;
  CapturingSink sink;
  const Logger logger(clock, sink, LogLevel::kDebug, LogFormat::kJson);
  logger.warn("odd \"input\"", {{"bytes", -1}, {"ratio", 0.5}});
  ASSERT_EQ(sink.lines().size(), 1U);
  EXPECT_EQ(sink.lines()[0],
            R"({"ts":"2026-01-01T00:00:00.000Z","level":"warn","msg":"odd \"input\"","bytes":-1,"ratio":0.5})"
            "\n");
}

TEST(Logger, FiltersBelowMinimumLevel) {
  ManualClock clock;
  CapturingSink sink;
  const Logger logger(clock, sink, LogLevel::kWarn, LogFormat::kKeyValue);
  logger.debug("no");
  logger.info("no");
  logger.warn("yes");
  logger.error("yes");
  EXPECT_EQ(sink.lines().size(), 2U);
  EXPECT_FALSE(logger.enabled(LogLevel::kInfo));
  EXPECT_TRUE(logger.enabled(LogLevel::kError));
}

TEST(Logger, ChildNamesNest) {
  ManualClock clock;
  CapturingSink sink;
  const Logger root(clock, sink, LogLevel::kInfo, LogFormat::kKeyValue);
  root.child("sinks").child("alertmanager").info("sent");
  ASSERT_EQ(sink.lines().size(), 1U);
  EXPECT_NE(sink.lines()[0].find(" component=sinks.alertmanager msg=sent\n"), std::string::npos) << sink.lines()[0];
}

TEST(Logger, EmptyAndEqualsValuesAreQuotedInKeyValue) {
  ManualClock clock;
  CapturingSink sink;
  const Logger logger(clock, sink, LogLevel::kInfo, LogFormat::kKeyValue);
  logger.info("m", {{"empty", ""}, {"expr", "a=b"}});
  EXPECT_NE(sink.lines()[0].find(R"(empty="" expr="a=b")"), std::string::npos) << sink.lines()[0];
}

TEST(ParseLogSettings, AcceptsKnownNamesAndExplainsOthers) {
  EXPECT_EQ(*parseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*parseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(parseLogLevel("verbose").status().message(), "log level 'verbose' must be one of debug, info, warn, error");
  EXPECT_EQ(parseLogFormat("xml").status().message(), "log format 'xml' must be one of kv, json");
}

}  // namespace
}  // namespace auditstream
