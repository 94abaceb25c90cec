// The commit rule for correlation alerts, on librdkafka's mock cluster: a message that fed a correlation
// window is committed only after the alert that window fired has been acknowledged by the durable sinks
// (ARCHITECTURE.md: an offset advances only after its effects are acknowledged). A durable sink that holds
// the correlation's acknowledgement (corked) holds the commit of all ten messages of the burst; once it
// acknowledges, everything commits.
#include <librdkafka/rdkafka.h>
// rdkafka_mock.h needs rdkafka.h first.
#include <atomic>
#include <chrono>
#include <fstream>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka_mock.h>
#include <mutex>
#include <thread>

#include "config/rule_pack.h"
#include "consumer/service.h"
#include "sinks/kafka_client.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

constexpr const char* kBurstRule = "7a0c1e52-5f7d-4a39-9d41-000000000101";  // Burst of Forbidden Requests

// Durable; acknowledges every alert at once except those of one rule, which it holds until release().
class HoldingSink final : public AlertSink {
 public:
  explicit HoldingSink(std::string heldRule) : heldRule_(std::move(heldRule)) {}
  std::string_view name() const override { return "holding"; }
  bool durable() const override { return true; }
  void submit(std::shared_ptr<const Alert> alert, AckCallback ack) override {
    std::unique_lock lock(mutex_);
    if (alert->rule->id == heldRule_ && holding_) {
      held_.push_back(std::move(ack));
      return;
    }
    lock.unlock();
    ack({});
  }
  bool flush(std::chrono::milliseconds /*timeout*/) override {
    std::lock_guard lock(mutex_);
    return held_.empty();
  }
  std::size_t held() const {
    std::lock_guard lock(mutex_);
    return held_.size();
  }
  void release() {
    std::vector<AckCallback> held;
    {
      std::lock_guard lock(mutex_);
      holding_ = false;
      held.swap(held_);
    }
    for (AckCallback& ack : held) ack({});
  }

 private:
  std::string heldRule_;
  mutable std::mutex mutex_;
  bool holding_ = true;
  std::vector<AckCallback> held_;
};

std::int64_t committedOffset(const std::string& bootstrap, const std::string& group, const std::string& topic) {
  KafkaClientPtr client =
      makeKafkaClient(RD_KAFKA_CONSUMER, KafkaProperties{{"bootstrap.servers", bootstrap}, {"group.id", group}})
          .value();
  KafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0);
  if (rd_kafka_committed(client.get(), list.get(), 10'000) != RD_KAFKA_RESP_ERR_NO_ERROR) return -2;
  return list->elems[0].offset;  // RD_KAFKA_OFFSET_INVALID (-1001) when nothing is committed
}

TEST(ServiceCommit, ACorrelationAlertHoldsItsMessagesUntilAcknowledged) {
  KafkaClientPtr producer =
      makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"test.mock.num.brokers", "1"}, {"log_level", "3"}}).value();
  rd_kafka_mock_cluster_t* mock = rd_kafka_handle_mock_cluster(producer.get());
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
  const std::string topic = "audit.gate";
  ASSERT_EQ(rd_kafka_mock_topic_create(mock, topic.c_str(), 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  // Ten 403s of one identity within minutes (offsets 0-9, the burst), then nine more and one 40 minutes
  // later (no burst; they move the watermark past the first window).
  std::ifstream in(std::string(AUDITSTREAM_SOURCE_DIR) + "/tests/rules/corr-forbidden-burst-per-user/events.jsonl");
  std::int64_t produced = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ASSERT_EQ(produceCopy(producer.get(), topic, "k", line), nullptr);
    ++produced;
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(produced, 20);

  RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  ASSERT_TRUE(pack.problems.empty());
  ServiceConfig config;
  config.kafka = {{"bootstrap.servers", bootstrap}, {"group.id", "gate"}, {"log_level", "3"}};
  config.topics = {topic};
  config.rules = {AUDITSTREAM_BUNDLED_RULES_DIR};
  config.metricsAddress = "";
  config.workers = 1;
  config.allowedLateness = std::chrono::seconds(1);
  config.idleTimeout = std::chrono::seconds(1);        // the quiet stream's last signals apply too
  config.maxCommitHold = std::chrono::nanoseconds(0);  // done with the engine once applied: only the ack holds
  auto sink = std::make_shared<HoldingSink>(kBurstRule);
  std::atomic<bool> stopping{false};
  ServiceOptions options;
  options.extraSinks = {sink};
  options.stopRequested = [&] { return stopping.load(); };
  options.progressEvery = std::chrono::seconds(3600);
  int status = -1;
  std::thread service([&] { status = runService(config, std::move(pack), std::move(options)); });

  const bool fired = testing::waitUntil([&] { return sink->held() == 1; }, std::chrono::seconds(60));
  // Several commit cycles (one a second) with every window closed and every other alert acknowledged:
  // nothing of the burst may commit.
  std::int64_t whileHeld = 0;
  const bool committedEarly =
      testing::waitUntil([&] { return (whileHeld = committedOffset(bootstrap, "gate", topic)) >= 1; },
                         std::chrono::seconds(5), std::chrono::milliseconds(500));
  sink->release();
  const bool allCommitted = testing::waitUntil([&] { return committedOffset(bootstrap, "gate", topic) == produced; },
                                               std::chrono::seconds(30), std::chrono::milliseconds(500));
  stopping = true;
  service.join();
  ASSERT_TRUE(fired) << "the burst correlation never reached the sink";
  EXPECT_FALSE(committedEarly) << "committed " << whileHeld
                               << ", past the burst's first message while its alert was unacknowledged";
  EXPECT_TRUE(allCommitted) << "not everything was committed after the acknowledgement";
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace auditstream
