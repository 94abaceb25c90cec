// Shipping a kube-apiserver's audit log file with a real shipper from Debian: rsyslog's imfile + omkafka
// (rsyslog-kafka) with deploy/shippers/rsyslog-kube-audit.conf, the placeholders filled in. Real audit
// events (Falco's k8saudit test events and audit2rbac's demo log: several apiserver versions' shapes)
// are written to a log file in two parts, the second while rsyslog runs (a file that grows, as the
// apiserver's does). Every line arrives on the cluster's topic unchanged, and `auditstream run` over
// that topic — the cluster taken from the topic name — raises exactly the alert ids `replay` gives for
// the file.
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <gtest/gtest.h>
#include <regex>

#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"
#include "tests/integration/service_harness.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

using namespace service_it;  // NOLINT(google-build-using-namespace): the harness of these tests

// Every audit event line of the datasets (Falco's FAL-01-003 `{"kind": 0}` left out: not an event).
std::vector<std::string> realEvents() {
  const fs::path datasets = kSource / "../shared/datasets";
  std::vector<std::string> events;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(datasets / "falco-k8saudit/k8s_audit")) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  files.push_back(datasets / "audit2rbac/dc2769ad84470df0282ef7e0caa8110f66596159/testdata/demo.log");
  for (const fs::path& file : files) {
    for (std::string& line : lines(file)) {
      if (line.find("\"auditID\"") != std::string::npos) events.push_back(std::move(line));
    }
  }
  return events;
}

pid_t spawnRsyslog(const fs::path& config, const fs::path& work) {
  const std::string command = "exec rsyslogd -n -f " + config.string() + " -i " + (work / "rsyslogd.pid").string() +
                              " >>" + (work / "rsyslogd.log").string() + " 2>&1";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), nullptr);
    _exit(127);
  }
  return pid;
}

TEST(ServiceShipper, RsyslogShipsTheAuditLogLineByLineAndRunRaisesWhatReplayRaises) {
  const Result<std::string> bootstrap = testing::kafkaBootstrap();
  ASSERT_TRUE(bootstrap) << bootstrap.status();
  const std::string run = testing::uniqueName("shipper");
  const std::string cluster = run + "-cluster";
  const std::string topic = "audit." + cluster;
  const std::string alerts = run + ".alerts";
  const fs::path work = fs::temp_directory_path() / run;
  fs::create_directories(work / "rsyslog");
  {
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", *bootstrap}}).value();
    for (const std::string& name : {topic, alerts}) {
      ASSERT_TRUE(createTopic(admin.get(), TopicSpec{name, 3, 1}, std::chrono::seconds(30)).isOk()) << name;
    }
  }
  const std::vector<std::string> events = realEvents();
  ASSERT_GE(events.size(), 80U);
  const fs::path auditLog = work / "audit.log";
  const std::size_t half = events.size() / 2;
  {
    std::ofstream out(auditLog);
    for (std::size_t i = 0; i < half; ++i) out << events[i] << "\n";
  }
  std::string config = fileText((kSource / "deploy/shippers/rsyslog-kube-audit.conf").string());
  config = std::regex_replace(config, std::regex("@WORK_DIR@"), (work / "rsyslog").string());
  config = std::regex_replace(config, std::regex("@AUDIT_LOG@"), auditLog.string());
  config = std::regex_replace(config, std::regex("@BROKERS@"), *bootstrap);
  config = std::regex_replace(config, std::regex("@TOPIC@"), topic);
  std::ofstream(work / "rsyslog.conf") << config;
  const pid_t rsyslog = spawnRsyslog(work / "rsyslog.conf", work);
  ASSERT_GT(rsyslog, 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  {
    std::ofstream out(auditLog, std::ios::app);  // the apiserver writes on
    for (std::size_t i = half; i < events.size(); ++i) out << events[i] << "\n";
  }

  std::vector<testing::ReceivedMessage> shipped;
  const bool all = testing::waitUntil(
      [&] {
        shipped = readAll(*bootstrap, topic);
        return shipped.size() >= events.size();
      },
      std::chrono::seconds(60), std::chrono::seconds(1));
  kill(rsyslog, SIGTERM);
  waitpid(rsyslog, nullptr, 0);
  ASSERT_TRUE(all) << shipped.size() << " of " << events.size() << " lines shipped\n"
                   << fileText((work / "rsyslogd.log").string());
  std::multiset<std::string> sent(events.begin(), events.end());
  std::multiset<std::string> received;
  for (const testing::ReceivedMessage& message : shipped) received.insert(message.value);
  EXPECT_EQ(received, sent) << "every line arrives once and unchanged";

  // run over the shipped topic: the cluster from the topic name, the alerts replay gives for the file.
  const std::set<std::string> expected = replayAlertIds(cluster, {auditLog});
  ASSERT_FALSE(expected.empty());
  const int port = freePort();
  const std::string runConfig = (work / "run.yml").string();
  std::ofstream(runConfig) << "kafka: {bootstrap.servers: '" << *bootstrap << "', group.id: " << run << "}\n"
                           << "topics: [" << topic << "]\nrules: [" << (kSource / "config/rules").string() << "]\n"
                           << "sinks: {kafka_topic: " << alerts << "}\nworkers: 1\n"
                           << "correlation: {idle_timeout: 2s, signals_partitions: 2}\n"
                           << "metrics: {address: '127.0.0.1:" << port << "'}\n";
  const pid_t service = spawnService(runConfig, (work / "run.log").string());
  std::map<std::string, int> counts;
  const bool same = testing::waitUntil(
      [&] {
        counts = alertIdCounts(*bootstrap, alerts);
        std::set<std::string> ids;
        for (const auto& [id, count] : counts) ids.insert(id);
        return ids == expected;
      },
      std::chrono::seconds(90), std::chrono::seconds(2));
  kill(service, SIGTERM);
  waitpid(service, nullptr, 0);
  EXPECT_TRUE(same) << counts.size() << " alert ids on the topic, " << expected.size() << " from replay\n"
                    << fileText((work / "run.log").string());
  if (!HasFailure()) fs::remove_all(work);
}

}  // namespace
}  // namespace auditstream
