// No alert lost on the real broker when the alerts topic is not there: `run` refuses to start without
// it (one line naming it), creates it when told to, and when it disappears mid-run the service pauses,
// says why on /readyz, commits nothing past an unacknowledged alert, and delivers every alert once the
// topic is back.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <gtest/gtest.h>
#include <set>

#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"
#include "tests/integration/service_harness.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

using namespace service_it;  // NOLINT(google-build-using-namespace): the harness of these tests
const fs::path kExecAttach = kSource / "tests/rules/exec-attach/events.jsonl";

// The exit status once the process ends within `bound`; nullopt (and the process killed) if it does not.
std::optional<int> exitWithin(pid_t pid, std::chrono::seconds bound) {
  int status = 0;
  const bool exited = testing::waitUntil([&] { return waitpid(pid, &status, WNOHANG) == pid; }, bound);
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return std::nullopt;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::int64_t committedOffset(const std::string& bootstrap, const std::string& group, const std::string& topic) {
  auto client =
      makeKafkaClient(RD_KAFKA_CONSUMER, KafkaProperties{{"bootstrap.servers", bootstrap}, {"group.id", group}})
          .value();
  KafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0);
  if (rd_kafka_committed(client.get(), list.get(), 10'000) != RD_KAFKA_RESP_ERR_NO_ERROR) return -2;
  return list->elems[0].offset;
}

struct ServiceRun {
  std::string bootstrap;
  std::string cluster;
  std::string topic;
  std::string alerts;
  std::string group;
  fs::path work;
  int port = 0;

  void writeConfig(const std::string& extra) const {
    std::ofstream(work / "config.yml")
        << "kafka: {bootstrap.servers: '" << bootstrap << "', group.id: " << group << "}\ntopics: [" << topic
        << "]\nrules: [" << (kSource / "config/rules").string() << "]\nsinks: {kafka_topic: " << alerts
        << "}\ncorrelation: {allowed_lateness: 1s, idle_timeout: 1s, max_commit_hold: 0s}\n"
        << "metrics: {address: '127.0.0.1:" << port << "'}\n"
        << extra;
  }
  std::string config() const { return (work / "config.yml").string(); }
  std::string log() const { return (work / "service.log").string(); }
};

ServiceRun makeServiceRun(const std::string& prefix) {
  ServiceRun setup;
  setup.bootstrap = testing::kafkaBootstrap().value();
  setup.cluster = testing::uniqueName(prefix);
  setup.topic = "audit." + setup.cluster;
  setup.alerts = setup.topic + ".alerts";
  setup.group = testing::uniqueName("service");
  setup.work = fs::temp_directory_path() / setup.group;
  setup.port = freePort();
  fs::create_directories(setup.work);
  auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", setup.bootstrap}}).value();
  EXPECT_TRUE(createTopic(admin.get(), TopicSpec{setup.topic, 1, 1}, std::chrono::seconds(30)).isOk());
  return setup;
}

TEST(ServiceDelivery, AMissingAlertsTopicStopsStartUpWithOneLineNamingIt) {
  ASSERT_TRUE(testing::kafkaBootstrap()) << testing::kafkaBootstrap().status();
  const ServiceRun setup = makeServiceRun("noalerts");
  setup.writeConfig("");
  const pid_t pid = spawnService(setup.config(), setup.log());
  ASSERT_GT(pid, 0);
  const std::optional<int> status = exitWithin(pid, std::chrono::seconds(10));
  const std::string log = fileText(setup.log());
  ASSERT_TRUE(status.has_value()) << "still running after 10 s\n" << log;
  EXPECT_NE(*status, 0) << log;
  EXPECT_NE(log.find("'" + setup.alerts + "' does not exist"), std::string::npos) << log;
}

TEST(ServiceDelivery, CreateTopicsMakesTheMissingAlertsAndDeadLetterTopics) {
  ASSERT_TRUE(testing::kafkaBootstrap()) << testing::kafkaBootstrap().status();
  const ServiceRun setup = makeServiceRun("mkalerts");
  const std::string deadLetter = setup.topic + ".dead-letter";
  setup.writeConfig("dead_letter_topic: " + deadLetter + "\ncreate_topics: {partitions: 2, replication_factor: 1}\n");
  const pid_t pid = spawnService(setup.config(), setup.log());
  ASSERT_GT(pid, 0);
  const bool ready = metricsShow(setup.port, "auditstream_assigned_partitions 1", std::chrono::seconds(60));
  kill(pid, SIGTERM);
  const std::optional<int> status = exitWithin(pid, std::chrono::seconds(30));
  ASSERT_TRUE(ready) << fileText(setup.log());
  EXPECT_EQ(status, 0) << fileText(setup.log());
  auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", setup.bootstrap}}).value();
  EXPECT_EQ(topicPartitionCount(admin.get(), setup.alerts, std::chrono::seconds(10)).value(), 2);
  EXPECT_EQ(topicPartitionCount(admin.get(), deadLetter, std::chrono::seconds(10)).value(), 2);
}

// The alerts topic is deleted while the service runs, then alerts come: consumption pauses, /readyz says
// why, the committed offset stays before the first message whose alert is unacknowledged; the topic comes
// back and every alert of those messages reaches it, then everything commits.
TEST(ServiceDelivery, AnAlertsTopicDeletedMidRunPausesAndCommitsNothingPastAnUnacknowledgedAlert) {
  ASSERT_TRUE(testing::kafkaBootstrap()) << testing::kafkaBootstrap().status();
  const ServiceRun setup = makeServiceRun("gone");
  auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", setup.bootstrap}}).value();
  ASSERT_TRUE(createTopic(admin.get(), TopicSpec{setup.alerts, 1, 1}, std::chrono::seconds(30)).isOk());
  std::vector<std::string> before;
  std::vector<std::string> after;
  for (const std::string& line : lines(kExecAttach)) {
    before.push_back(retag(line, "before"));
    after.push_back(retag(line, "after"));  // its first line alerts (exec into a pod)
  }
  {
    std::ofstream out(setup.work / "after.jsonl");
    for (const std::string& line : after) out << line << "\n";
  }
  ASSERT_TRUE(produceAll(setup.bootstrap, setup.topic, before).isOk());
  setup.writeConfig("");
  const pid_t pid = spawnService(setup.config(), setup.log());
  ASSERT_GT(pid, 0);
  const auto firstAfter = static_cast<std::int64_t>(before.size());
  const bool beforeCommitted =
      testing::waitUntil([&] { return committedOffset(setup.bootstrap, setup.group, setup.topic) == firstAfter; },
                         std::chrono::seconds(60), std::chrono::milliseconds(500));

  ASSERT_TRUE(deleteTopic(admin.get(), setup.alerts, std::chrono::seconds(30)).isOk());
  ASSERT_TRUE(produceAll(setup.bootstrap, setup.topic, after).isOk());
  std::string readyz;
  const bool saysWhy = testing::waitUntil(
      [&] {
        readyz = httpGet(setup.port, "/readyz");
        return readyz.rfind("503", 0) == 0 && readyz.find(setup.alerts) != std::string::npos;
      },
      std::chrono::seconds(90), std::chrono::milliseconds(500));
  const std::int64_t whileGone = committedOffset(setup.bootstrap, setup.group, setup.topic);
  const std::string metricsWhileGone = httpGet(setup.port, "/metrics");

  ASSERT_TRUE(createTopic(admin.get(), TopicSpec{setup.alerts, 1, 1}, std::chrono::seconds(30)).isOk());
  const auto total = static_cast<std::int64_t>(before.size() + after.size());
  const bool allCommitted =
      testing::waitUntil([&] { return committedOffset(setup.bootstrap, setup.group, setup.topic) == total; },
                         std::chrono::seconds(90), std::chrono::milliseconds(500));
  std::string readyzAfter;
  testing::waitUntil([&] { return (readyzAfter = httpGet(setup.port, "/readyz")).rfind("200", 0) == 0; },
                     std::chrono::seconds(30), std::chrono::milliseconds(500));
  kill(pid, SIGTERM);
  const std::optional<int> status = exitWithin(pid, std::chrono::seconds(30));
  const std::string log = fileText(setup.log());
  ASSERT_TRUE(beforeCommitted) << log;
  EXPECT_TRUE(saysWhy) << "/readyz: " << readyz << "\n" << log;
  EXPECT_LE(whileGone, firstAfter) << "committed past a message whose alert was not delivered\n" << log;
  EXPECT_NE(log.find("pausing consumption"), std::string::npos) << log;
  EXPECT_NE(metricsWhileGone.find("auditstream_sinks_delivering 0"), std::string::npos) << metricsWhileGone;
  EXPECT_TRUE(allCommitted) << log;
  EXPECT_EQ(readyzAfter.rfind("200", 0), 0U) << readyzAfter;
  EXPECT_EQ(status, 0) << log;

  const std::set<std::string> expected = replayAlertIds(setup.cluster, {setup.work / "after.jsonl"});
  ASSERT_GE(expected.size(), 5U);
  const std::map<std::string, int> received = alertIdCounts(setup.bootstrap, setup.alerts);
  for (const std::string& id : expected) EXPECT_TRUE(received.contains(id)) << "lost: " << id;
}

}  // namespace
}  // namespace auditstream
