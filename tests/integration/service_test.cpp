// `auditstream run` against the real broker: a labelled stream (stateless attacks, a 403 burst, poison
// messages) on a 3-partition topic yields exactly the alerts `replay` gives for the same events, poison
// messages land in the dead-letter topic with their reason, and every offset ends up committed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <simdjson.h>

#include "sinks/http_client.h"
#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"
#include "tests/integration/kafka_test_consumer.h"
#include "tests/integration/service_harness.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

using namespace service_it;  // NOLINT(google-build-using-namespace): the harness of these tests
const std::vector<fs::path> kInputs = {kSource / "tests/rules/corr-forbidden-burst-per-user/events.jsonl",
                                       kSource / "tests/rules/exec-attach/events.jsonl"};

TEST(Service, ALabelledStreamYieldsTheReplayAlertsPoisonGoesToTheDeadLetterTopicAndAStopCommitsAll) {
  const Result<std::string> bootstrap = testing::kafkaBootstrap();
  ASSERT_TRUE(bootstrap) << bootstrap.status();
  const std::string cluster = testing::uniqueName("it");
  const std::string topic = "audit." + cluster;
  const std::string alerts = topic + ".alerts";
  const std::string deadLetter = topic + ".dead-letter";
  const std::string group = testing::uniqueName("service");
  {
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", *bootstrap}}).value();
    for (const auto& [name, partitions] : {std::pair{topic, 3}, std::pair{alerts, 3}, std::pair{deadLetter, 1}}) {
      ASSERT_TRUE(createTopic(admin.get(), TopicSpec{name, partitions, 1}, std::chrono::seconds(30)).isOk());
    }
  }
  std::vector<std::string> messages;
  for (const fs::path& input : kInputs) {
    for (std::string& line : lines(input)) messages.push_back(std::move(line));
  }
  messages.insert(messages.begin() + 3, "this is not json");
  messages.insert(messages.begin() + 9, R"({"kind":"Event","auditID":"x","verb":"get)");
  messages.push_back(R"({"kind":"Pod","metadata":{"name":"p"}})");
  ASSERT_TRUE(produceAll(*bootstrap, topic, messages).isOk());

  const int metricsPort = freePort();
  const fs::path work = fs::temp_directory_path() / group;
  fs::create_directories(work);
  std::ofstream(work / "config.yml")
      << "kafka: {bootstrap.servers: '" << *bootstrap << "', group.id: " << group << "}\ntopics: [" << topic
      << "]\nrules: [" << (kSource / "config/rules").string() << "]\nsinks: {kafka_topic: " << alerts
      << "}\ndead_letter_topic: " << deadLetter
      << "\ncorrelation: {allowed_lateness: 1s, idle_timeout: 2s}\nmetrics: {address: '127.0.0.1:" << metricsPort
      << "'}\n";
  const std::string configPath = (work / "config.yml").string();
  const std::string logPath = (work / "service.log").string();
  const pid_t pid = spawnService(configPath, logPath);
  ASSERT_GT(pid, 0);
  // Everything consumed (the service's own metrics say so), and the quiet stream's partitions idle (2 s): the
  // correlation task's watermark passes the burst and it fires. Then a clean stop drains the sinks and commits
  // everything (an input message commits once its signals are on the signals topic: no window hold).
  const std::string consumed = "auditstream_events_total " + std::to_string(messages.size() - 3);
  std::string metrics;
  const bool allConsumed = testing::waitUntil(
      [&] {
        auto client = HttpClient::create().value();
        auto response = client.send({"GET", "http://127.0.0.1:" + std::to_string(metricsPort) + "/metrics", "", {}});
        metrics = response ? response->body : "";
        return metrics.find(consumed) != std::string::npos &&
               metrics.find("auditstream_rejected_total{reason=\"not_json\"} 1") != std::string::npos &&
               metrics.find("auditstream_consumer_lag{partition=\"0\",topic=\"" + topic + "\"} 0") != std::string::npos;
      },
      std::chrono::seconds(90), std::chrono::milliseconds(250));
  const std::set<std::string> expected = replayAlertIds(cluster, kInputs);
  ASSERT_GE(expected.size(), 10U);
  testing::waitUntil(
      [&] {
        const std::map<std::string, int> now = alertIdCounts(*bootstrap, alerts);
        return std::all_of(expected.begin(), expected.end(), [&](const std::string& id) { return now.contains(id); });
      },
      std::chrono::seconds(60), std::chrono::seconds(1));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::string logText = fileText(logPath);
  ASSERT_TRUE(allConsumed) << metrics << logText;
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << logText;
  EXPECT_TRUE(allCommitted(*bootstrap, group, topic, 3)) << logText;

  std::set<std::string> received;
  for (const auto& [id, count] : alertIdCounts(*bootstrap, alerts)) {
    received.insert(id);
    EXPECT_EQ(count, 1) << "repeated: " << id;
  }
  EXPECT_EQ(received, expected) << logText;

  const auto poison = readAll(*bootstrap, deadLetter);
  ASSERT_EQ(poison.size(), 3U) << logText;
  std::multiset<std::string> reasons;
  std::set<std::string> partitions;
  for (const auto& message : poison) {
    reasons.insert(message.headers.at("reject_reason"));
    partitions.insert(message.headers.at("source_partition"));
    EXPECT_EQ(message.headers.at("source_topic"), topic);
    EXPECT_EQ(message.headers.at("cluster"), cluster);
  }
  EXPECT_EQ(reasons, (std::multiset<std::string>{"not_an_event", "not_json", "truncated"}));
  // One poison message in each partition (their keys hash to 0, 1 and 2), and each partition went on.
  EXPECT_EQ(partitions, (std::set<std::string>{"0", "1", "2"}));
}

// kill -9 mid-stream, then a restart in the same group: every expected alert is on the alerts topic (none
// lost); repeats (work redone after the crash) carry the same alert id.
TEST(Service, AKilledServiceLosesNoAlertAndRepeatsKeepTheirIds) {
  const Result<std::string> bootstrap = testing::kafkaBootstrap();
  ASSERT_TRUE(bootstrap) << bootstrap.status();
  const std::string cluster = testing::uniqueName("kill");
  const std::string topic = "audit." + cluster;
  const std::string alerts = topic + ".alerts";
  const std::string group = testing::uniqueName("service");
  {
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", *bootstrap}}).value();
    ASSERT_TRUE(createTopic(admin.get(), TopicSpec{topic, 1, 1}, std::chrono::seconds(30)).isOk());
    ASSERT_TRUE(createTopic(admin.get(), TopicSpec{alerts, 1, 1}, std::chrono::seconds(30)).isOk());
  }
  // Stateless alerts only (exec-attach), each round with its own audit IDs.
  const fs::path work = fs::temp_directory_path() / group;
  fs::create_directories(work);
  std::vector<std::string> rounds[2];
  for (int round = 0; round < 6; ++round) {
    for (const std::string& line : lines(kInputs[1])) {
      rounds[round < 3 ? 0 : 1].push_back(retag(line, "r" + std::to_string(round)));
    }
  }
  {
    std::ofstream all(work / "events.jsonl");
    for (const auto& half : rounds) {
      for (const std::string& line : half) all << line << "\n";
    }
  }
  const auto writeConfig = [&](int metricsPort) {
    // A short session: the killed member's partitions move to its successor after 6 s, not 45.
    std::ofstream(work / "config.yml") << "kafka: {bootstrap.servers: '" << *bootstrap << "', group.id: " << group
                                       << ", session.timeout.ms: 6000, heartbeat.interval.ms: 1000}\ntopics: [" << topic
                                       << "]\nrules: [" << (kSource / "config/rules").string()
                                       << "]\nsinks: {kafka_topic: " << alerts
                                       << "}\nmetrics: {address: '127.0.0.1:" << metricsPort << "'}\n";
  };
  const std::string logPath = (work / "service.log").string();

  ASSERT_TRUE(produceAll(*bootstrap, topic, rounds[0]).isOk());
  int port = freePort();
  writeConfig(port);
  pid_t pid = spawnService((work / "config.yml").string(), logPath);
  ASSERT_GT(pid, 0);
  const bool firstHalf =
      metricsShow(port, "auditstream_events_total " + std::to_string(rounds[0].size()), std::chrono::seconds(60));
  kill(pid, SIGKILL);  // no drain, no commit
  waitpid(pid, nullptr, 0);
  ASSERT_TRUE(firstHalf) << fileText(logPath);

  ASSERT_TRUE(produceAll(*bootstrap, topic, rounds[1]).isOk());
  port = freePort();
  writeConfig(port);
  pid = spawnService((work / "config.yml").string(), logPath);
  ASSERT_GT(pid, 0);
  const bool caughtUp = metricsShow(port, "auditstream_consumer_lag{partition=\"0\",topic=\"" + topic + "\"} 0",
                                    std::chrono::seconds(60));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(caughtUp) << fileText(logPath);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << fileText(logPath);

  const std::set<std::string> expected = replayAlertIds(cluster, {work / "events.jsonl"});
  ASSERT_GE(expected.size(), 30U);
  const std::map<std::string, int> received = alertIdCounts(*bootstrap, alerts);
  for (const std::string& id : expected) EXPECT_TRUE(received.contains(id)) << "lost: " << id;
  for (const auto& [id, count] : received) EXPECT_TRUE(expected.contains(id)) << "unexpected: " << id;
}

// A durable sink that never acknowledges (an Alertmanager that is down, durable: true): the service pauses
// instead of buffering without bound, and what was not acknowledged is not committed — it will be
// consumed again, nothing is lost.
TEST(Service, UnacknowledgedAlertsPauseConsumptionAndAreNotCommitted) {
  const Result<std::string> bootstrap = testing::kafkaBootstrap();
  ASSERT_TRUE(bootstrap) << bootstrap.status();
  const std::string cluster = testing::uniqueName("bp");
  const std::string topic = "audit." + cluster;
  const std::string group = testing::uniqueName("service");
  {
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", *bootstrap}}).value();
    ASSERT_TRUE(createTopic(admin.get(), TopicSpec{topic, 1, 1}, std::chrono::seconds(30)).isOk());
  }
  std::vector<std::string> messages;
  for (int round = 0; round < 5; ++round) {
    for (std::string& line : lines(kInputs[1])) messages.push_back(std::move(line));  // exec-attach: stateless alerts
  }
  ASSERT_TRUE(produceAll(*bootstrap, topic, messages).isOk());
  const fs::path work = fs::temp_directory_path() / group;
  fs::create_directories(work);
  std::ofstream(work / "config.yml") << "kafka: {bootstrap.servers: '" << *bootstrap << "', group.id: " << group
                                     << "}\ntopics: [" << topic << "]\nrules: [" << (kSource / "config/rules").string()
                                     << "]\nsinks: {alertmanager: {urls: ['http://127.0.0.1:" << freePort()
                                     << "'], durable: true, min_level: informational}}\nlimits: {queue_messages: 3}\n"
                                     << "metrics: {address: '127.0.0.1:" << freePort() << "'}\n";
  const std::string logPath = (work / "service.log").string();
  const pid_t pid = spawnService((work / "config.yml").string(), logPath);
  ASSERT_GT(pid, 0);
  const bool paused = testing::waitUntil(
      [&] { return fileText(logPath).find("pausing consumption") != std::string::npos; }, std::chrono::seconds(60));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::string log = fileText(logPath);
  ASSERT_TRUE(paused) << log;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
  // Committed stops at the first message whose alert was never acknowledged.
  auto client =
      makeKafkaClient(RD_KAFKA_CONSUMER, KafkaProperties{{"bootstrap.servers", *bootstrap}, {"group.id", group}})
          .value();
  KafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0);
  ASSERT_EQ(rd_kafka_committed(client.get(), list.get(), 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_LT(list->elems[0].offset, static_cast<std::int64_t>(messages.size())) << log;
  EXPECT_LE(list->elems[0].offset, 1) << "only messages before the first alerting one may be committed\n" << log;
}

}  // namespace
}  // namespace auditstream
