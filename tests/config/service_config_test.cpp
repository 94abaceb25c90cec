#include "config/service_config.h"

#include <fstream>
#include <gtest/gtest.h>

namespace auditstream {
namespace {

const std::string kMinimal =
    "kafka:\n  bootstrap.servers: 127.0.0.1:9092\n"
    "topics: [audit.prod-1]\n"
    "rules: [config/rules]\n"
    "sinks:\n  stdout: true\n";

std::string problem(const std::string& text) {
  const auto parsed = parseServiceConfig(text, "c.yml");
  return parsed ? "ok" : parsed.status().message();
}

TEST(ServiceConfig, MinimalConfigGetsTheDocumentedDefaults) {
  const auto config = parseServiceConfig(kMinimal, "c.yml");
  ASSERT_TRUE(config) << config.status();
  EXPECT_EQ(config->kafka.at("group.id"), "auditstream");
  EXPECT_EQ(config->topics, std::vector<std::string>{"audit.prod-1"});
  EXPECT_EQ(config->metricsAddress, "127.0.0.1:9108");
  EXPECT_EQ(config->allowedLateness, std::chrono::seconds(5));
  EXPECT_EQ(config->cluster.topicPattern, "^audit\\.(.+)$");
  EXPECT_EQ(config->maxMessageBytes, 4U << 20U);
  EXPECT_FALSE(config->alertmanager);
}

TEST(ServiceConfig, AFullConfig) {
  const auto config = parseServiceConfig(
      "kafka: {bootstrap.servers: 'k:9092', group.id: soc, security.protocol: SSL}\n"
      "topic_pattern: '^audit\\..*'\n"
      "cluster: {from: [header, static], header: k8s-cluster, static: {audit.legacy: legacy-1}}\n"
      "envelope: {string_paths: [log], max_message_bytes: 1048576}\n"
      "rules: [/etc/auditstream/rules, /etc/auditstream/local]\n"
      "workers: 4\n"
      "sinks:\n"
      "  kafka_topic: auditstream.alerts\n"
      "  alertmanager: {urls: ['http://am-0:9093', 'http://am-1:9093'], throttle: 10m, min_level: high}\n"
      "dead_letter_topic: auditstream.dead-letter\n"
      "metrics: {address: '0.0.0.0:9108'}\n"
      "correlation: {allowed_lateness: 10s, idle_timeout: 1m, max_keys: 50000}\n",
      "c.yml");
  ASSERT_TRUE(config) << config.status();
  EXPECT_EQ(config->kafka.at("security.protocol"), "SSL");
  EXPECT_EQ(config->cluster.order, (std::vector<ClusterSource>{ClusterSource::kHeader, ClusterSource::kStatic}));
  EXPECT_EQ(config->cluster.byTopic.at("audit.legacy"), "legacy-1");
  EXPECT_EQ(config->alertmanager->urls.size(), 2U);
  EXPECT_EQ(config->alertmanager->throttle, std::chrono::minutes(10));
  EXPECT_EQ(config->idleTimeout, std::chrono::minutes(1));
  EXPECT_EQ(config->workers, 4U);
}

TEST(ServiceConfig, EveryProblemHasItsPosition) {
  EXPECT_EQ(problem(kMinimal + "wrkers: 4\n"),
            "c.yml:7:1: unknown key 'wrkers' (known here: cluster, correlation, create_topics, dead_letter_topic, "
            "delivery, envelope, kafka, limits, metrics, rules, sinks, topic_pattern, topics, transactions, workers)");
  EXPECT_EQ(problem(kMinimal + "workers: many\n"), "c.yml:7:10: workers (many) must be a whole number from 0 to 256");
  EXPECT_EQ(problem(kMinimal + "correlation: {allowed_lateness: soon}\n"),
            "c.yml:7:33: correlation.allowed_lateness must be a duration such as 100ms, 30s, 5m, 2h or 1d");
  EXPECT_EQ(problem(kMinimal + "topic_pattern: x\n"),
            "c.yml:1:1: give either topics (a list) or topic_pattern (a regex), not both or neither");
  EXPECT_EQ(problem("kafka: {group.id: x}\ntopics: [t]\nrules: [r]\nsinks: {stdout: true}\n"),
            "c.yml:1:8: kafka needs bootstrap.servers");
  EXPECT_EQ(problem(kMinimal + "cluster: {topic_pattern: 'audit'}\n"),
            "c.yml:7:26: cluster.topic_pattern must have a capture group for the cluster name");
  EXPECT_EQ(problem(kMinimal + "cluster: {from: [dns]}\n"),
            "c.yml:7:17: cluster.from (dns) must be header, topic, field or static");
  EXPECT_EQ(problem("kafka: {bootstrap.servers: k}\ntopics: [t]\nrules: [r]\nsinks: {alertmanager: {urls: []}}\n"),
            "c.yml:4:23: sinks.alertmanager.urls must list at least one Alertmanager");
  EXPECT_EQ(
      problem(
          "kafka: {bootstrap.servers: k}\ntopics: [t]\nrules: [r]\nsinks: {alertmanager: {urls: [u], batch: 100}}\n"),
      "c.yml:4:42: sinks.alertmanager.batch (100) must be a whole number from 1 to 64");
  EXPECT_EQ(problem("kafka: {bootstrap.servers: k}\ntopics: [t]\nrules: [r]\n"),
            "c.yml:1:1: sinks must configure at least one alert output");
  EXPECT_EQ(problem(kMinimal + "metrics: {address: 9108}\n"), "c.yml:7:20: metrics.address (9108) must be host:port");
  EXPECT_EQ(problem(kMinimal + "cluster: {from: [field, topic]}\n"),
            "c.yml:7:17: cluster.field () must be a field path such as cluster or kubernetes.cluster_name when "
            "cluster.from lists field");
  EXPECT_EQ(problem(kMinimal + "limits: {ready_max_lag: -1}\n"),
            "c.yml:7:25: limits.ready_max_lag (-1) must be a whole number from 0 to 1000000000000");
}

// delivery: exactly_once needs every output in the transaction and a broker with transactions.
TEST(ServiceConfig, ExactlyOnceDelivery) {
  const std::string kafka = "kafka:\n  bootstrap.servers: 127.0.0.1:9092\n  group.id: soc\n";
  const std::string rest = "topics: [audit.prod-1]\nrules: [config/rules]\nsinks: {kafka_topic: alerts}\n";
  Result<ServiceConfig> config = parseServiceConfig(
      kafka + rest + "delivery: exactly_once\ntransactions: {interval: 250ms, transactional_id: soc-0}\n", "c.yml");
  ASSERT_TRUE(config) << config.status();
  EXPECT_EQ(config->delivery, ServiceConfig::Delivery::kExactlyOnce);
  EXPECT_EQ(config->transactionInterval, std::chrono::milliseconds(250));
  EXPECT_EQ(config->transactionalId, "soc-0");
  config = parseServiceConfig(kafka + rest, "c.yml");
  ASSERT_TRUE(config) << config.status();
  EXPECT_EQ(config->delivery, ServiceConfig::Delivery::kAtLeastOnce);
  EXPECT_EQ(config->transactionInterval, std::chrono::milliseconds(100));
  EXPECT_TRUE(config->transactionalId.starts_with("soc-")) << config->transactionalId;  // soc-<host name>
  EXPECT_EQ(problem(kafka + rest + "delivery: twice\n"),
            "c.yml:7:11: delivery (twice) must be at_least_once or exactly_once");
  EXPECT_EQ(problem(kafka + "  test.mock.num.brokers: 1\n" + rest + "delivery: exactly_once\n"),
            "c.yml:8:11: delivery: exactly_once needs a real Kafka broker: librdkafka's mock cluster "
            "(kafka.test.mock.num.brokers) does not implement transactions");
  EXPECT_EQ(problem(kafka + "topics: [audit.prod-1]\nrules: [r]\nsinks: {stdout: true}\ndelivery: exactly_once\n"),
            "c.yml:7:11: delivery: exactly_once needs sinks.kafka_topic: the alerts topic is what the "
            "transactions make exactly-once");
  EXPECT_EQ(problem(kafka + rest + "correlation: {state: rebuild}\ndelivery: exactly_once\n"),
            "c.yml:8:11: delivery: exactly_once needs correlation.signals: topic and correlation.state: changelog: "
            "windows held in process or rebuilt on assignment are not part of a transaction");
  EXPECT_EQ(problem(kafka + "  isolation.level: read_uncommitted\n" + rest + "delivery: exactly_once\n"),
            "c.yml:8:11: delivery: exactly_once needs kafka.isolation.level: read_committed (the default): the "
            "correlation tasks must not read the signals of aborted transactions");
  EXPECT_EQ(problem(kafka + rest + "transactions: {interval: 0.5s}\n"),
            "c.yml:7:26: transactions.interval must be a duration such as 100ms, 30s, 5m, 2h or 1d");
  EXPECT_EQ(problem(kafka + rest + "delivery: exactly_once\ntransactions: {interval: 6s}\n"),
            "c.yml:8:26: transactions.interval (6000 ms) must be at most half of kafka.transaction.timeout.ms "
            "(10000): the broker aborts a transaction that stays open longer");
  config = parseServiceConfig(
      kafka + "  transaction.timeout.ms: 30000\n" + rest + "delivery: exactly_once\ntransactions: {interval: 6s}\n",
      "c.yml");
  EXPECT_TRUE(config) << config.status();
  EXPECT_EQ(problem(kafka + "  transaction.timeout.ms: soon\n" + rest + "delivery: exactly_once\n"),
            "c.yml:4:27: kafka.transaction.timeout.ms (soon) must be a positive number of ms");
}

// `<name>_file`: a Kubernetes Secret mounted as a file; the value never appears in an error.
TEST(ServiceConfig, AnyKafkaPropertyCanComeFromAFile) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/sasl-password") << "hunter2\n";
  std::ofstream(dir + "/empty") << "";
  const std::string rest = "topics: [audit.prod-1]\nrules: [config/rules]\nsinks: {stdout: true}\n";
  Result<ServiceConfig> config = parseServiceConfig(
      "kafka:\n  bootstrap.servers: k:9092\n  sasl.password_file: " + dir + "/sasl-password\n" + rest, "c.yml");
  ASSERT_TRUE(config) << config.status();
  EXPECT_EQ(config->kafka.at("sasl.password"), "hunter2");
  EXPECT_FALSE(config->kafka.contains("sasl.password_file"));
  EXPECT_EQ(problem("kafka:\n  bootstrap.servers: k:9092\n  sasl.password: x\n  sasl.password_file: " + dir +
                    "/sasl-password\n" + rest),
            "c.yml:4:3: kafka.sasl.password_file and kafka.sasl.password are both given: keep one");
  EXPECT_EQ(problem("kafka:\n  bootstrap.servers: k:9092\n  sasl.password_file: /nonexistent/p\n" + rest),
            "c.yml:3:23: kafka.sasl.password_file: cannot read /nonexistent/p");
  EXPECT_EQ(problem("kafka:\n  bootstrap.servers: k:9092\n  sasl.password_file: " + dir + "/empty\n" + rest),
            "c.yml:3:23: kafka.sasl.password_file: " + dir + "/empty is empty");
}

TEST(ServiceConfig, ClusterFromAnEventFieldAndReadinessBound) {
  const Result<ServiceConfig> config = parseServiceConfig(
      kMinimal +
          "cluster: {from: [header, field, topic], field: kubernetes.cluster}\nlimits: {ready_max_lag: 50}\n"
          "metrics: {address: ''}\n",
      "c.yml");
  ASSERT_TRUE(config) << config.status();
  EXPECT_EQ(config->cluster.order,
            (std::vector<ClusterSource>{ClusterSource::kHeader, ClusterSource::kField, ClusterSource::kTopic}));
  EXPECT_EQ(config->cluster.field, "kubernetes.cluster");
  EXPECT_EQ(config->readyMaxLag, 50);
  EXPECT_EQ(config->metricsAddress, "");
}

TEST(ServiceConfig, TheShippedExampleParses) {
  const auto config = loadServiceConfig(AUDITSTREAM_EXAMPLE_CONFIG);
  ASSERT_TRUE(config) << config.status();
  EXPECT_EQ(config->topicPattern, "^audit\\..*");
  EXPECT_EQ(config->alertsTopic, "auditstream.alerts");
  EXPECT_EQ(config->alertmanager->urls.size(), 2U);
}

}  // namespace
}  // namespace auditstream
