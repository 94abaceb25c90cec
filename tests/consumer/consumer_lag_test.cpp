#include "consumer/consumer_lag.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

// The shape of librdkafka 2.0.2's statistics, trimmed to what is read (and the -1 internal partition).
constexpr std::string_view kStatistics = R"({"name":"rdkafka#consumer-1","topics":{"audit.a":{"topic":"audit.a",
  "partitions":{
    "0":{"partition":0,"hi_offset":1000,"lo_offset":0,"app_offset":400,"committed_offset":350},
    "1":{"partition":1,"hi_offset":80,"lo_offset":0,"app_offset":-1,"committed_offset":75},
    "2":{"partition":2,"hi_offset":0,"lo_offset":0,"app_offset":-1,"committed_offset":-1001},
    "3":{"partition":3,"hi_offset":500,"lo_offset":0,"app_offset":-1,"committed_offset":-1001},
    "-1":{"partition":-1,"hi_offset":-1,"lo_offset":-1,"app_offset":-1,"committed_offset":-1}}}}})";

TEST(ConsumerLag, FromTheNextOffsetHandedToUsElseTheCommittedOneElseAnEmptyPartition) {
  const std::vector<PartitionLag> lags = consumerLagFromStatistics(kStatistics);
  ASSERT_EQ(lags.size(), 3U);
  std::map<std::int32_t, std::int64_t> byPartition;
  for (const PartitionLag& lag : lags) {
    EXPECT_EQ(lag.topic, "audit.a");
    byPartition[lag.partition] = lag.lag;
  }
  EXPECT_EQ(byPartition.at(0), 600);      // 1000 − 400: committed offsets trail on purpose
  EXPECT_EQ(byPartition.at(1), 5);        // nothing consumed yet: from the group's commit
  EXPECT_EQ(byPartition.at(2), 0);        // empty
  EXPECT_FALSE(byPartition.contains(3));  // unknown until the first message
}

TEST(ConsumerLag, MalformedStatisticsYieldNothing) {
  EXPECT_TRUE(consumerLagFromStatistics("").empty());
  EXPECT_TRUE(consumerLagFromStatistics("{\"topics\":[1,2]}").empty());
  EXPECT_TRUE(consumerLagFromStatistics("{\"topics\":{\"t\":{\"partitions\":{\"0\":{\"partition\":\"x\"}}}}}").empty());
}

TEST(Readiness, AssignedAndEveryPartitionWithinTheBound) {
  const std::vector<PartitionKey> assigned = {{"t", 0}, {"t", 1}};
  std::map<PartitionKey, std::int64_t> lag = {{{"t", 0}, 10}};
  EXPECT_EQ(decideReadiness({}, lag, 100).why, "no partitions assigned");
  EXPECT_EQ(decideReadiness(assigned, lag, 100).why, "t[1]: lag not known yet");
  lag[{"t", 1}] = 101;
  EXPECT_EQ(decideReadiness(assigned, lag, 100).why, "t[1] is 101 messages behind (ready at 100)");
  lag[{"t", 1}] = 100;
  EXPECT_TRUE(decideReadiness(assigned, lag, 100).ready);
}

}  // namespace
}  // namespace auditstream
