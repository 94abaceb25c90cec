// A Kafka outage mid-stream on a broker of the test's own (deploy/kafka/kafka-local start, stop, restart):
// a 403 burst has been consumed, its signals are on their way to the signals topic and its stateless
// alerts to the alerts topic when the broker goes down. The producers' messages time out
// (message.timeout.ms 20 s, shorter than the 60 s outage) while the member keeps its partitions
// (session.timeout.ms 120 s rides the outage out, so nothing is re-read); neither a signal nor an alert may
// be given up: once the broker is back, the correlation task reads the burst and fires, and the alerts
// topic holds every alert id `replay` gives.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <thread>

#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"
#include "tests/integration/service_harness.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

using namespace service_it;  // NOLINT(google-build-using-namespace): the harness of these tests

constexpr auto kOutage = std::chrono::seconds(60);

TEST(ServiceOutage, AnAlertFiredWhileTheBrokerIsDownReachesTheAlertsTopicAfterIt) {
  const std::string group = testing::uniqueName("outage");
  const fs::path work = fs::temp_directory_path() / group;
  fs::create_directories(work);
  const fs::path brokerDir = work / "kafka";
  const std::string bootstrap = kafkaLocal("start", brokerDir);
  ASSERT_FALSE(bootstrap.empty()) << fileText((work / "kafka-local.log").string());
  const std::string cluster = "outage";
  const std::string topic = "audit." + cluster;
  const std::string alerts = "alerts";
  {
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap}}).value();
    ASSERT_TRUE(createTopic(admin.get(), TopicSpec{topic, 1, 1}, std::chrono::seconds(30)).isOk());
    ASSERT_TRUE(createTopic(admin.get(), TopicSpec{alerts, 1, 1}, std::chrono::seconds(30)).isOk());
  }
  // Before the outage: exec-attach (stateless alerts) and the burst through its tenth denial (fourteen
  // lines: the tenth is the newest event, so only the idle timeout applies it); after the outage: the rest
  // of the file (another identity's denials).
  std::vector<std::string> before = lines(kSource / "tests/rules/exec-attach/events.jsonl");
  const std::vector<std::string> burst = lines(kSource / "tests/rules/corr-forbidden-burst-per-user/events.jsonl");
  ASSERT_EQ(burst.size(), 20U);
  before.insert(before.end(), burst.begin(), burst.begin() + 14);
  const std::vector<std::string> after(burst.begin() + 14, burst.end());
  {
    std::ofstream all(work / "events.jsonl");
    for (const std::string& line : before) all << line << "\n";
    for (const std::string& line : after) all << line << "\n";
  }
  ASSERT_TRUE(produceAll(bootstrap, topic, before).isOk());

  const int port = freePort();
  std::ofstream(work / "config.yml") << "kafka: {bootstrap.servers: '" << bootstrap << "', group.id: " << group
                                     << ", message.timeout.ms: 20000, session.timeout.ms: 120000}\ntopics: [" << topic
                                     << "]\nrules: [" << (kSource / "config/rules").string()
                                     << "]\nsinks: {kafka_topic: " << alerts
                                     << "}\ncorrelation: {allowed_lateness: 5s, idle_timeout: 10s}\n"
                                     << "metrics: {address: '127.0.0.1:" << port << "'}\n";
  const std::string logPath = (work / "service.log").string();
  const pid_t pid = spawnService((work / "config.yml").string(), logPath);
  ASSERT_GT(pid, 0);
  const bool consumed =
      metricsShow(port, "auditstream_events_total " + std::to_string(before.size()), std::chrono::seconds(60));
  const std::string stopped = kafkaLocal("stop", brokerDir);
  std::this_thread::sleep_for(kOutage);  // the outage itself, not a wait for a condition
  const std::string restarted = kafkaLocal("restart", brokerDir);
  const bool producedAfter = !restarted.empty() && produceAll(bootstrap, topic, after).isOk();
  const bool caughtUp =
      producedAfter && testing::waitUntil(
                           [&] {
                             const std::string metrics = httpGet(port, "/metrics");
                             const std::string name = "\nauditstream_events_total ";
                             const std::size_t at = metrics.find(name);
                             return at != std::string::npos &&
                                    std::stoull(metrics.substr(at + name.size())) >= before.size() + after.size() &&
                                    metrics.find("auditstream_consumer_lag{partition=\"0\",topic=\"" + topic +
                                                 "\"} 0") != std::string::npos;
                           },
                           std::chrono::seconds(90), std::chrono::milliseconds(500));
  // The quiet stream's partition goes idle (10 s) and the correlation task applies the burst's last signals.
  const std::set<std::string> expected = replayAlertIds(cluster, {work / "events.jsonl"});
  std::map<std::string, int> received;
  testing::waitUntil(
      [&] {
        if (restarted.empty()) return true;
        received = alertIdCounts(bootstrap, alerts);
        return std::all_of(expected.begin(), expected.end(),
                           [&](const std::string& id) { return received.contains(id); });
      },
      std::chrono::seconds(90), std::chrono::seconds(1));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::string log = fileText(logPath);
  if (!restarted.empty()) received = alertIdCounts(bootstrap, alerts);
  kafkaLocal("stop", brokerDir);
  ASSERT_TRUE(consumed) << log;
  ASSERT_EQ(stopped, "stopped");
  ASSERT_FALSE(restarted.empty()) << fileText((work / "kafka-local.log").string());
  ASSERT_TRUE(caughtUp) << log;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;

  ASSERT_GE(expected.size(), 20U);
  for (const std::string& id : expected) EXPECT_TRUE(received.contains(id)) << "lost: " << id << "\n" << log;
  for (const auto& [id, count] : received) EXPECT_TRUE(expected.contains(id)) << "unexpected: " << id;
}

}  // namespace
}  // namespace auditstream
