// Fault injection on librdkafka's mock cluster (in-process; ARCHITECTURE.md: the mock is for the demo
// and fault injection, delivery guarantees are tested on the real broker too): transient broker errors
// queued for Produce, Fetch and OffsetCommit requests make the service's clients retry — every expected
// alert still reaches the alerts topic and, after a clean stop, every offset is committed. (With
// debug=msg, librdkafka logs the alert producer receiving each of the four Produce errors and retrying.)
#include <librdkafka/rdkafka.h>
// rdkafka_mock.h needs rdkafka.h first.
#include <atomic>
#include <chrono>
#include <fstream>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka_mock.h>
#include <set>
#include <simdjson.h>
#include <thread>

#include "config/rule_pack.h"
#include "consumer/service.h"
#include "engine/event_processor.h"
#include "sinks/kafka_client.h"

namespace auditstream {
namespace {

constexpr std::int16_t kProduce = 0;  // Kafka protocol ApiKeys (not in librdkafka's public headers)
constexpr std::int16_t kFetch = 1;
constexpr std::int16_t kOffsetCommit = 8;

std::vector<std::string> execEvents(int rounds) {
  std::vector<std::string> events;
  for (int round = 0; round < rounds; ++round) {
    std::ifstream in(std::string(AUDITSTREAM_SOURCE_DIR) + "/tests/rules/exec-attach/events.jsonl");
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const std::string tag = "exec-attach-";
      for (std::size_t at = line.find(tag); at != std::string::npos; at = line.find(tag, at + 1)) {
        line.insert(at + tag.size(), "f" + std::to_string(round) + "-");
      }
      events.push_back(line);
    }
  }
  return events;
}

// The stateless alert ids the pipeline gives for `events` on `cluster` (correlation base rules excluded).
std::set<std::string> statelessAlertIds(const RulePack& pack, const std::vector<std::string>& events,
                                        const std::string& cluster) {
  auto processor = EventProcessor::create(pack.rules, EnvelopeOptions{}, pack.correlations).value();
  std::set<std::string> ids;
  for (const std::string& event : events) {
    const ProcessResult result = processor->process(event, MessageContext{cluster, std::nullopt, std::nullopt, 0});
    for (const Alert& alert : result.alerts) ids.insert(alert.id);
  }
  return ids;
}

TEST(ServiceFaults, TransientBrokerErrorsCauseRetriesNotLoss) {
  KafkaClientPtr producer =
      makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"test.mock.num.brokers", "3"}, {"log_level", "3"}}).value();
  rd_kafka_mock_cluster_t* mock = rd_kafka_handle_mock_cluster(producer.get());
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
  ASSERT_EQ(rd_kafka_mock_topic_create(mock, "audit.faulty", 3, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_mock_topic_create(mock, "alerts", 1, 3), RD_KAFKA_RESP_ERR_NO_ERROR);
  const std::vector<std::string> events = execEvents(20);
  for (std::size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(produceCopy(producer.get(), "audit.faulty", std::to_string(i), events[i]), nullptr);
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);

  RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  ASSERT_TRUE(pack.problems.empty());
  const std::set<std::string> expected = statelessAlertIds(pack, events, "faulty");
  ASSERT_GE(expected.size(), 50U);

  // From now on the service's clients get these before their requests succeed.
  rd_kafka_mock_push_request_errors(mock, kProduce, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  rd_kafka_mock_push_request_errors(mock, kFetch, 3, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  rd_kafka_mock_push_request_errors(mock, kOffsetCommit, 3, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
                                    RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);

  ServiceConfig config;
  config.kafka = {{"bootstrap.servers", bootstrap}, {"group.id", "faults"}, {"log_level", "3"}};
  config.topics = {"audit.faulty"};
  config.rules = {AUDITSTREAM_BUNDLED_RULES_DIR};
  config.alertsTopic = "alerts";
  config.metricsAddress = "";
  config.workers = 2;
  config.maxCommitHold = std::chrono::nanoseconds(0);  // a clean stop closes the windows and commits all
  std::atomic<bool> stopping{false};
  ServiceOptions options;
  options.stopRequested = [&] { return stopping.load(); };
  options.progressEvery = std::chrono::seconds(3600);
  int status = -1;
  std::thread service([&] { status = runService(config, std::move(pack), std::move(options)); });

  // Read the alerts topic until every expected id is there (or a minute passes).
  KafkaClientPtr reader = makeKafkaClient(RD_KAFKA_CONSUMER, KafkaProperties{{"bootstrap.servers", bootstrap},
                                                                             {"group.id", "reader"},
                                                                             {"auto.offset.reset", "earliest"}})
                              .value();
  KafkaPartitionListPtr assignment(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(assignment.get(), "alerts", 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  ASSERT_EQ(rd_kafka_assign(reader.get(), assignment.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::set<std::string> received;
  simdjson::dom::parser parser;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!std::includes(received.begin(), received.end(), expected.begin(), expected.end()) &&
         std::chrono::steady_clock::now() < deadline) {
    KafkaMessagePtr message(rd_kafka_consumer_poll(reader.get(), 200));
    if (!message || message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    received.emplace(std::string_view(
        parser.parse(static_cast<const char*>(message->payload), message->len)["id"].get_string().value()));
  }
  rd_kafka_consumer_close(reader.get());
  stopping = true;
  service.join();
  EXPECT_EQ(status, 0);
  for (const std::string& id : expected) EXPECT_TRUE(received.contains(id)) << "lost: " << id;

  // Every offset committed despite the failed commits (the tracker retries on the next cycle).
  KafkaClientPtr group =
      makeKafkaClient(RD_KAFKA_CONSUMER, KafkaProperties{{"bootstrap.servers", bootstrap}, {"group.id", "faults"}})
          .value();
  KafkaPartitionListPtr committed(rd_kafka_topic_partition_list_new(3));
  for (int p = 0; p < 3; ++p) rd_kafka_topic_partition_list_add(committed.get(), "audit.faulty", p);
  ASSERT_EQ(rd_kafka_committed(group.get(), committed.get(), 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::int64_t total = 0;
  for (int p = 0; p < 3; ++p) total += committed->elems[p].offset;
  EXPECT_EQ(total, static_cast<std::int64_t>(events.size()));
}

}  // namespace
}  // namespace auditstream
