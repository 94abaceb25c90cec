// Two members of one consumer group on librdkafka's mock cluster, each owning one of the input topic's
// two partitions: a burst of denied requests by one identity from one address is split across both
// partitions (a shipper that keys by nothing). With correlation.signals: topic the signals meet in one
// correlation task whichever member owns it, and each burst correlation fires exactly once across the
// group. In process (the path before the signals topic) each member sees half the burst and neither
// fires: the control that shows what the topic path fixes.
#include <librdkafka/rdkafka.h>
// rdkafka_mock.h needs rdkafka.h first.
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka_mock.h>
#include <memory>
#include <thread>

#include "config/rule_pack.h"
#include "consumer/service.h"
#include "sinks/kafka_client.h"
#include "tests/sinks/fake_sink.h"
#include "tests/support/capturing_log_sink.h"
#include "tests/support/wait_until.h"
#include "traffic/audit_event_builder.h"

namespace auditstream {
namespace {

constexpr const char* kPerUserBurst = "7a0c1e52-5f7d-4a39-9d41-000000000101";
constexpr const char* kPerAddressBurst = "7a0c1e52-5f7d-4a39-9d41-000000000102";
constexpr int kBurst = 12;  // both correlations need 10 within 30 min

std::string deniedGet(int i, std::int64_t nanos) {
  const std::string at = formatAuditTime(nanos);
  return R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"group-burst-)" +
         std::to_string(i) + R"(","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/web-)" +
         std::to_string(i) +
         R"(","verb":"get","user":{"username":"mallory","groups":["system:authenticated"]},"sourceIPs":["10.9.0.7"],)"
         R"("objectRef":{"resource":"pods","apiVersion":"v1","namespace":"default","name":"web"},)"
         R"("responseStatus":{"metadata":{},"code":403},"requestReceivedTimestamp":")" +
         at + R"(","stageTimestamp":")" + at + R"(","annotations":{"authorization.k8s.io/decision":"forbid"}})";
}

struct Member {
  std::shared_ptr<testing::FakeSink> alerts = std::make_shared<testing::FakeSink>("captured", true);
  testing::CapturingLogSink log;
  std::atomic<bool> stopping{false};
  int status = -1;
  std::thread thread;

  std::size_t assignments() const {
    std::size_t count = 0;
    for (const std::string& line : log.lines()) count += line.find("partitions assigned") != std::string::npos;
    return count;
  }
  std::size_t alertsOf(const std::string& rule) const {
    std::size_t count = 0;
    for (const auto& alert : alerts->alerts()) count += alert->rule->id == rule;
    return count;
  }
};

class ServiceGroup : public ::testing::TestWithParam<ServiceConfig::SignalsPath> {
 protected:
  void SetUp() override {
    producer_ =
        makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"test.mock.num.brokers", "1"}, {"log_level", "0"}}).value();
    mock_ = rd_kafka_handle_mock_cluster(producer_.get());
    ASSERT_EQ(rd_kafka_mock_topic_create(mock_, kTopic, 2, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(rd_kafka_mock_topic_create(mock_, kSignals, 2, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void TearDown() override {
    for (Member* member : {&first_, &second_}) {
      member->stopping = true;
      if (member->thread.joinable()) member->thread.join();
    }
  }

  void start(Member& member) {
    ServiceConfig config;
    config.kafka = {{"bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mock_)},
                    {"group.id", "group-test"},
                    {"log_level", "0"},
                    {"partition.assignment.strategy", "range"}};
    config.topics = {kTopic};
    config.rules = {AUDITSTREAM_BUNDLED_RULES_DIR};
    config.metricsAddress = "";
    config.workers = 1;
    config.idleTimeout = std::chrono::seconds(2);
    config.allowedLateness = std::chrono::seconds(1);
    config.signals = GetParam();
    config.signalsTopic = kSignals;
    RulePack pack = loadRulePack(config.rules);
    ASSERT_TRUE(pack.problems.empty());
    ServiceOptions options;
    options.extraSinks.push_back(member.alerts);
    options.log = Logger(clock_, member.log, LogLevel::kInfo, LogFormat::kKeyValue, "member");
    options.stopRequested = [&member] { return member.stopping.load(); };
    member.thread = std::thread(
        [config = std::move(config), pack = std::move(pack), options = std::move(options), &member]() mutable {
          member.status = runService(std::move(config), std::move(pack), std::move(options));
        });
  }

  static constexpr const char* kTopic = "audit.group";
  static constexpr const char* kSignals = "group-test.signals";
  KafkaClientPtr producer_;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
  const SystemClock clock_;
  Member first_;
  Member second_;
};

TEST_P(ServiceGroup, ABurstSplitAcrossMembersFiresOnceOnlyThroughTheSignalsTopic) {
  start(first_);
  ASSERT_TRUE(testing::waitUntil([&] { return first_.assignments() >= 1; }, std::chrono::seconds(30)));
  start(second_);
  // Eager rebalance: the first member is assigned again once the second has joined.
  ASSERT_TRUE(testing::waitUntil([&] { return second_.assignments() >= 1 && first_.assignments() >= 2; },
                                 std::chrono::seconds(120)))  // the mock cluster rebalances slowly under load
      << "the group never split its partitions";

  const std::int64_t start =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (int i = 0; i < kBurst; ++i) {
    const std::string event = deniedGet(i, start + i * 1'000'000'000LL);
    ASSERT_EQ(produceCopy(producer_.get(), kTopic, "", event, {}, nullptr, i % 2), nullptr);
  }
  ASSERT_EQ(rd_kafka_flush(producer_.get(), 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);

  const auto fired = [&](const char* rule) { return first_.alertsOf(rule) + second_.alertsOf(rule); };
  // Both members saw their half: each raised the stateless 403 alerts of its own partition.
  ASSERT_TRUE(testing::waitUntil([&] { return !first_.alerts->alerts().empty() && !second_.alerts->alerts().empty(); },
                                 std::chrono::seconds(30)));
  // Idle timeout (2 s) and lateness (1 s) pass, the watermark moves past the burst, the windows decide.
  const bool both = testing::waitUntil([&] { return fired(kPerUserBurst) > 0 && fired(kPerAddressBurst) > 0; },
                                       std::chrono::seconds(GetParam() == ServiceConfig::SignalsPath::kTopic ? 20 : 8));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a second copy would have come by now
  if (GetParam() == ServiceConfig::SignalsPath::kTopic) {
    EXPECT_TRUE(both);
    EXPECT_EQ(fired(kPerUserBurst), 1U);
    EXPECT_EQ(fired(kPerAddressBurst), 1U);
  } else {
    EXPECT_FALSE(both);
    EXPECT_EQ(fired(kPerUserBurst), 0U) << "in process, each member counts only its own half";
    EXPECT_EQ(fired(kPerAddressBurst), 0U);
  }
  first_.stopping = true;
  second_.stopping = true;
  first_.thread.join();
  second_.thread.join();
  EXPECT_EQ(first_.status, 0);
  EXPECT_EQ(second_.status, 0);
}

INSTANTIATE_TEST_SUITE_P(Signals, ServiceGroup,
                         ::testing::Values(ServiceConfig::SignalsPath::kTopic, ServiceConfig::SignalsPath::kInProcess),
                         [](const auto& test) {
                           return test.param == ServiceConfig::SignalsPath::kTopic ? std::string("Topic")
                                                                                   : std::string("InProcess");
                         });

}  // namespace
}  // namespace auditstream
