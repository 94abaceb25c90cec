// The Kafka alerts sink against the real broker: every alert handed to the sink is acked as delivered
// and is readable from the alerts topic exactly once per submit, keyed and with its headers.
#include "sinks/kafka_alert_sink.h"

#include <atomic>
#include <gtest/gtest.h>
#include <map>
#include <simdjson.h>

#include "sinks/kafka_admin.h"
#include "tests/integration/kafka_test_consumer.h"
#include "tests/support/integration_servers.h"

namespace auditstream {
namespace {

std::shared_ptr<const Alert> makeAlert(int index) {
  auto rule = std::make_shared<RuleMetadata>();
  rule->id = "rule-" + std::to_string(index % 3);
  rule->title = "Test rule";
  rule->level = index % 2 == 0 ? "high" : "low";
  rule->author = "tester";
  auto alert = std::make_shared<Alert>();
  alert->id = "alert-" + std::to_string(index);
  alert->rule = rule;
  alert->cluster = index % 2 == 0 ? "prod-eu" : "prod-us";
  alert->groupBy = {{"user.username", "user-" + std::to_string(index % 7)}};
  alert->evidence.auditIds = {"audit-" + std::to_string(index)};
  return alert;
}

TEST(KafkaAlertSink, EverySubmittedAlertIsOnTheTopicExactlyOnce) {
  const Result<std::string> bootstrap = testing::kafkaBootstrap();
  ASSERT_TRUE(bootstrap) << bootstrap.status();
  const std::string topic = testing::uniqueName("alerts");
  {
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", *bootstrap}}).value();
    ASSERT_TRUE(createTopic(admin.get(), TopicSpec{topic, 3, 1}, std::chrono::seconds(30)).isOk());
  }
  constexpr int kAlerts = 1000;
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};
  {
    auto sink = KafkaAlertSink::create({{{"bootstrap.servers", *bootstrap}}, topic}).value();
    EXPECT_TRUE(sink->durable());
    for (int i = 0; i < kAlerts; ++i) {
      sink->submit(makeAlert(i), [&](const Delivery& delivery) {
        ++(delivery.outcome == DeliveryOutcome::kDelivered ? delivered : failed);
      });
    }
    ASSERT_TRUE(sink->flush(std::chrono::seconds(60)));
    EXPECT_EQ(sink->stats().delivered.load(), static_cast<std::uint64_t>(kAlerts));
  }
  EXPECT_EQ(delivered.load(), kAlerts);
  EXPECT_EQ(failed.load(), 0);

  auto consumer = testing::TestGroupConsumer::create(*bootstrap, testing::uniqueName("reader")).value();
  ASSERT_TRUE(consumer->subscribe(topic).isOk());
  std::map<std::string, int> seen;
  std::map<std::string, std::int32_t> partitionOfKey;
  simdjson::dom::parser parser;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (static_cast<int>(seen.size()) < kAlerts && std::chrono::steady_clock::now() < deadline) {
    const auto message = consumer->pollOnce(std::chrono::milliseconds(500));
    if (!message) continue;
    const simdjson::dom::element alert = parser.parse(message->value);
    const std::string id{std::string_view(alert["id"])};
    ++seen[id];
    const std::string cluster{std::string_view(alert["cluster"])};
    const std::string rule{std::string_view(alert["rule"]["id"])};
    EXPECT_EQ(message->headers.at("cluster"), cluster);
    EXPECT_EQ(message->headers.at("rule_id"), rule);
    EXPECT_EQ(message->headers.at("severity"), std::string(std::string_view(alert["severity"])));
    EXPECT_TRUE(message->key.starts_with(cluster + "/" + rule + "/user-")) << message->key;
    // One key, one partition: a key's alerts stay in order.
    const auto [where, inserted] = partitionOfKey.emplace(message->key, message->partition);
    EXPECT_EQ(where->second, message->partition) << message->key;
  }
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kAlerts));
  for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << id;
  // Nothing more than the submitted alerts arrives.
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(consumer->pollOnce(std::chrono::milliseconds(200)).has_value());
  EXPECT_TRUE(consumer->close().isOk());
}

}  // namespace
}  // namespace auditstream
