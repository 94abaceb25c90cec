// A backlog larger than `limits.queue_messages` drains to its end, and (with lanes: each worker takes
// only what it has room for, the rest waits in librdkafka) without pausing the partitions on the way.
#include <atomic>
#include <cstdio>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <string>
#include <thread>

#include "config/rule_pack.h"
#include "consumer/service.h"
#include "sinks/kafka_client.h"
#include "tests/support/capturing_log_sink.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

constexpr int kEvents = 60'000;
constexpr int kPartitions = 4;

std::string benignEvent(int number) {
  char line[640];
  std::snprintf(line, sizeof line,
                R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"backlog-%06d",)"
                R"("stage":"ResponseComplete","requestURI":"/api/v1/namespaces/app/pods?limit=500","verb":"list",)"
                R"("user":{"username":"system:serviceaccount:app:reader-%d","groups":["system:serviceaccounts"]},)"
                R"("sourceIPs":["10.1.0.%d"],"userAgent":"client-go/v0.29.3",)"
                R"("objectRef":{"resource":"pods","namespace":"app","apiVersion":"v1"},)"
                R"("responseStatus":{"metadata":{},"code":200},)"
                R"("requestReceivedTimestamp":"2026-03-02T09:%02d:%02d.000000Z",)"
                R"("stageTimestamp":"2026-03-02T09:%02d:%02d.010000Z"})",
                number, number % 8, number % 200, (number / 60) % 60, number % 60, (number / 60) % 60, number % 60);
  return line;
}

// The last progress record's event count ("[   3s] 80000 events (...").
long long eventsInLastProgress(const testing::CapturingLogSink& records) {
  long long events = -1;
  for (const std::string& line : records.lines()) {
    const std::size_t at = line.find(" events (");
    if (at == std::string::npos) continue;
    std::size_t start = at;
    while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9') --start;
    if (start < at) events = std::stoll(line.substr(start, at - start));
  }
  return events;
}

TEST(ServiceBacklog, ABacklogLargerThanTheQueueLimitDrainsToItsEndWithoutPausing) {
  KafkaClientPtr producer =
      makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"test.mock.num.brokers", "1"}, {"log_level", "0"}}).value();
  rd_kafka_mock_cluster_t* mock = rd_kafka_handle_mock_cluster(producer.get());
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
  const std::string topic = "audit.backlog";
  ASSERT_EQ(rd_kafka_mock_topic_create(mock, topic.c_str(), kPartitions, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_EQ(produceCopy(producer.get(), topic, "cluster-" + std::to_string(i % 16), benignEvent(i)), nullptr);
    if (i % 10'000 == 0) rd_kafka_poll(producer.get(), 0);
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 60'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  // The mock cluster keeps a few MB per partition and drops its oldest segments beyond that: the backlog
  // is what the partitions still hold.
  long long backlog = 0;
  for (int partition = 0; partition < kPartitions; ++partition) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    ASSERT_EQ(rd_kafka_query_watermark_offsets(producer.get(), topic.c_str(), partition, &low, &high, 10'000),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    backlog += high - low;
  }
  ASSERT_GT(backlog, 3 * 10'000) << "the backlog must be well past limits.queue_messages";

  RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  ASSERT_TRUE(pack.problems.empty());
  ServiceConfig config;
  config.kafka = {{"bootstrap.servers", bootstrap}, {"group.id", "backlog"}, {"log_level", "0"}};
  config.topics = {topic};
  config.rules = {AUDITSTREAM_BUNDLED_RULES_DIR};
  config.metricsAddress = "";
  config.workers = 2;
  config.queueMessages = 10'000;
  const SystemClock clock;
  testing::CapturingLogSink records;
  std::atomic<bool> stopping{false};
  ServiceOptions options;
  options.log = Logger(clock, records, LogLevel::kInfo, LogFormat::kKeyValue, "auditstream");
  options.stopRequested = [&] { return stopping.load(); };
  options.progressEvery = std::chrono::seconds(1);
  int status = -1;
  std::thread service([&] { status = runService(config, std::move(pack), std::move(options)); });
  const bool drained =
      testing::waitUntil([&] { return eventsInLastProgress(records) >= backlog; }, std::chrono::seconds(120));
  stopping = true;
  service.join();
  EXPECT_TRUE(drained) << "stalled at " << eventsInLastProgress(records) << " of " << backlog << " events";
  EXPECT_EQ(status, 0);
  EXPECT_FALSE(records.any("pausing consumption")) << "a drain paused its partitions";
}

}  // namespace
}  // namespace auditstream
