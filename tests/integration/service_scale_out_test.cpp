// `auditstream run` scaled out on the real broker (issue 14): 2 clusters × 6 partitions of generated
// traffic whose shipper keys by nothing, with one instance of every attack scenario the load generator
// knows — every bundled correlation among them (per-identity and per-address 403 bursts, denied secret
// reads, secret harvesting, discovery sweeps, permission probing, anonymous enumeration, RBAC change then
// workload, a stolen credential from a new tool) — split over the members. Correlation signals meet in
// their correlation task through the signals topic whichever member consumed them, so:
// - 1, 2 or 3 members over 1, 4 or 12 signals partitions raise exactly the alert ids `replay` gives for
//   the same events, once each, and every scenario is detected;
// - a member killed with SIGKILL while windows are open (and restarted), or a member joining while they
//   are open, loses none of them and adds none (the same ids may repeat: at-least-once).
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <simdjson.h>
#include <sstream>

#include "engine/event_time.h"
#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"
#include "tests/integration/service_harness.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"
#include "traffic/traffic_schedule.h"

namespace auditstream {
namespace {

using namespace service_it;  // NOLINT(google-build-using-namespace): the harness of these tests

constexpr std::size_t kClusters = 2;
constexpr std::size_t kInputPartitions = 6;

// The generated stream: each cluster's events in time order, the cut between the two halves a test may
// produce apart, and the scenario instances that must be detected.
struct Corpus {
  fs::path directory;
  std::vector<std::string> events[kClusters];
  std::size_t half[kClusters] = {};
  std::vector<ScenarioInstance> scenarios;

  fs::path fileOf(std::size_t cluster) const { return directory / ("cluster-" + std::to_string(cluster) + ".jsonl"); }
  std::size_t size() const { return events[0].size() + events[1].size(); }
};

// About 40 s of event time at 150 machine events/s over two clusters after 65 min of the people's history
// (first_seen learns for 1 h), an attack every second from the 2nd: each of the scenarios once or more.
const Corpus& corpus() {
  static const Corpus generated = [] {
    Corpus corpus;
    corpus.directory = fs::temp_directory_path() / testing::uniqueName("scale-out-corpus");
    fs::create_directories(corpus.directory);
    ScheduleOptions options;
    for (std::size_t c = 0; c < kClusters; ++c) {
      options.clusters.push_back({"cluster-" + std::to_string(c), 8, {"alice@corp.example", "bob@corp.example"}});
    }
    options.seed = 14;
    options.machineEventsPerSecond = 150;
    options.attackEverySeconds = 1;
    options.attackStartSeconds = 2;
    const std::int64_t start = parseRfc3339("2026-03-01T10:00:00Z")->nanosSinceEpoch;
    TrafficSchedule schedule(options, start);
    std::vector<StampedEvent> all = schedule.history();
    const std::int64_t end = start + static_cast<std::int64_t>(AttackScenarios::count() + 16) * 1'000'000'000;
    std::vector<ScenarioInstance> injected;
    while (schedule.stepStartNanos() < end) {
      for (StampedEvent& event : schedule.nextStep(injected)) all.push_back(std::move(event));
    }
    for (StampedEvent& event : schedule.takeRemainingAttacks()) all.push_back(std::move(event));
    corpus.scenarios = std::move(injected);
    const std::int64_t middle = start + (end - start) / 2;
    for (const StampedEvent& stamped : all) {
      const std::size_t c = stamped.event.cluster;
      if (stamped.nanos < middle) corpus.half[c] = corpus.events[c].size() + 1;
      corpus.events[c].push_back(stamped.event.json);
    }
    for (std::size_t c = 0; c < kClusters; ++c) {
      std::ofstream out(corpus.fileOf(c));
      for (const std::string& event : corpus.events[c]) out << event << '\n';
    }
    return corpus;
  }();
  return generated;
}

struct ReceivedAlert {
  std::string id;
  std::string rule;
  std::string cluster;
  std::set<std::string> auditIds;
};

std::vector<ReceivedAlert> readAlerts(const std::string& bootstrap, const std::string& topic) {
  simdjson::dom::parser parser;
  std::vector<ReceivedAlert> alerts;
  for (const auto& message : readAll(bootstrap, topic)) {
    const simdjson::dom::element alert = parser.parse(message.value);
    ReceivedAlert& received = alerts.emplace_back();
    received.id = std::string(std::string_view(alert["id"]));
    received.rule = std::string(std::string_view(alert["rule"]["id"]));
    received.cluster = std::string(std::string_view(alert["cluster"]));
    simdjson::dom::array ids;
    if (alert["evidence"]["audit_ids"].get(ids) == simdjson::SUCCESS) {
      for (const simdjson::dom::element id : ids) received.auditIds.emplace(std::string_view(id));
    }
  }
  return alerts;
}

class ScaleOut : public ::testing::Test {
 protected:
  struct Member {
    pid_t pid = -1;
    int port = 0;
    std::string log;
  };

  void SetUp() override {
    const Result<std::string> bootstrap = testing::kafkaBootstrap();
    ASSERT_TRUE(bootstrap) << bootstrap.status();
    bootstrap_ = *bootstrap;
    run_ = testing::uniqueName("scale");
    group_ = run_ + "-group";
    alerts_ = "alerts." + run_;
    work_ = fs::temp_directory_path() / run_;
    fs::create_directories(work_);
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap_}}).value();
    for (std::size_t c = 0; c < kClusters; ++c) {
      clusters_.push_back(run_ + "-c" + std::to_string(c));
      topics_.push_back("audit." + clusters_.back());
      ASSERT_TRUE(createTopic(admin.get(), TopicSpec{topics_.back(), static_cast<int>(kInputPartitions), 1},
                              std::chrono::seconds(30))
                      .isOk());
    }
    ASSERT_TRUE(createTopic(admin.get(), TopicSpec{alerts_, 3, 1}, std::chrono::seconds(30)).isOk());
    const Corpus& events = corpus();
    ASSERT_GE(events.scenarios.size(), AttackScenarios::count());
    for (std::size_t c = 0; c < kClusters; ++c) {
      const std::set<std::string> ids = replayAlertIds(clusters_[c], {events.fileOf(c)});
      expected_.insert(ids.begin(), ids.end());
    }
    ASSERT_GE(expected_.size(), events.scenarios.size());
  }

  void TearDown() override {
    for (Member& member : members_) stopMember(member);
  }

  // Unkeyed, as a shipper that keys by nothing: librdkafka spreads the messages over the partitions.
  void produce(bool firstHalf, bool secondHalf) {
    auto producer =
        makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap_}, {"linger.ms", "5"}})
            .value();
    const Corpus& events = corpus();
    for (std::size_t c = 0; c < kClusters; ++c) {
      const std::size_t from = firstHalf ? 0 : events.half[c];
      const std::size_t to = secondHalf ? events.events[c].size() : events.half[c];
      for (std::size_t i = from; i < to; ++i) {
        while (KafkaErrorPtr error = produceCopy(producer.get(), topics_[c], "", events.events[c][i])) {
          ASSERT_EQ(rd_kafka_error_code(error.get()), RD_KAFKA_RESP_ERR__QUEUE_FULL)
              << rd_kafka_error_string(error.get());
          rd_kafka_poll(producer.get(), 10);
        }
      }
    }
    ASSERT_EQ(rd_kafka_flush(producer.get(), 60'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  Member& startMember(int signalsPartitions) {
    Member& member = members_.emplace_back();
    member.port = freePort();
    const std::string name = "m" + std::to_string(members_.size());
    member.log = (work_ / (name + ".log")).string();
    const fs::path config = work_ / (name + ".yml");
    // Short sessions: a killed member's partitions move in seconds. Historic streams go quiet after their
    // last event: a 2 s idle timeout lets their sources stop holding the tasks' watermarks back.
    std::ofstream(config) << "kafka: {bootstrap.servers: '" << bootstrap_ << "', group.id: " << group_
                          << ", session.timeout.ms: 6000, heartbeat.interval.ms: 1000}\n"
                          << "topics: [" << topics_[0] << ", " << topics_[1] << "]\nrules: ["
                          << (kSource / "config/rules").string() << "]\nsinks: {kafka_topic: " << alerts_
                          << "}\nworkers: 1\ncorrelation: {idle_timeout: 2s, signals_partitions: " << signalsPartitions
                          << "}\nmetrics: {address: '127.0.0.1:" << member.port << "'}\n";
    member.pid = spawnService(config.string(), member.log);
    EXPECT_GT(member.pid, 0);
    return member;
  }

  static void stopMember(Member& member, int signal = SIGTERM) {
    if (member.pid <= 0) return;
    kill(member.pid, signal);
    waitpid(member.pid, nullptr, 0);
    member.pid = -1;
  }

  // Every input partition and every signals partition owned by a live member, each live member owning
  // some input partitions: the group has settled.
  bool settled(int signalsPartitions) const {
    double inputs = 0;
    double tasks = 0;
    for (const Member& member : members_) {
      if (member.pid <= 0) continue;
      const double owned = metricValue(member.port, "auditstream_assigned_partitions");
      if (owned == 0) return false;
      inputs += owned;
      tasks += metricValue(member.port, "auditstream_correlation_tasks");
    }
    return inputs == static_cast<double>(kClusters * kInputPartitions) && tasks == signalsPartitions;
  }

  double eventsConsumed() const {
    double events = 0;
    for (const Member& member : members_) {
      if (member.pid > 0) events += metricValue(member.port, "auditstream_events_total");
    }
    return events;
  }

  std::string logs() const {
    std::string text;
    for (const Member& member : members_) text += "---- " + member.log + "\n" + fileText(member.log);
    return text;
  }

  // Waits (bounded) until every expected alert is on the alerts topic, then stops the members.
  std::vector<ReceivedAlert> collectAndStop() {
    std::vector<ReceivedAlert> alerts;
    testing::waitUntil(
        [&] {
          alerts = readAlerts(bootstrap_, alerts_);
          std::set<std::string> ids;
          for (const ReceivedAlert& alert : alerts) ids.insert(alert.id);
          return std::includes(ids.begin(), ids.end(), expected_.begin(), expected_.end());
        },
        std::chrono::seconds(120), std::chrono::seconds(1));
    for (Member& member : members_) stopMember(member);
    return readAlerts(bootstrap_, alerts_);
  }

  // None missing, none unexpected, every scenario instance detected (its rule, its cluster, all its
  // required audit IDs in one alert); `once`: no id twice.
  void expectReplayAlerts(const std::vector<ReceivedAlert>& alerts, bool once) {
    std::map<std::string, int> counts;
    for (const ReceivedAlert& alert : alerts) ++counts[alert.id];
    for (const std::string& id : expected_) EXPECT_TRUE(counts.contains(id)) << "lost: " << id;
    for (const auto& [id, count] : counts) {
      EXPECT_TRUE(expected_.contains(id)) << "not in replay's answer: " << id;
      if (once) {
        EXPECT_EQ(count, 1) << "repeated: " << id;
      }
    }
    for (const ScenarioInstance& scenario : corpus().scenarios) {
      const std::set<std::string> required(scenario.requiredAuditIds.begin(), scenario.requiredAuditIds.end());
      const bool detected = std::any_of(alerts.begin(), alerts.end(), [&](const ReceivedAlert& alert) {
        return alert.rule == scenario.ruleId && alert.cluster == clusters_[scenario.cluster] &&
               std::includes(alert.auditIds.begin(), alert.auditIds.end(), required.begin(), required.end());
      });
      EXPECT_TRUE(detected) << "missed: " << scenario.scenario << " in " << clusters_[scenario.cluster];
    }
    if (::testing::Test::HasFailure()) ADD_FAILURE() << logs();
  }

  // `members` members over kSignalsPartitions settle, and consume the first half of the stream (windows
  // open across the cut).
  void consumeTheFirstHalf(int members) {
    for (int i = 0; i < members; ++i) startMember(kSignalsPartitions);
    ASSERT_TRUE(testing::waitUntil([&] { return settled(kSignalsPartitions); }, std::chrono::seconds(90),
                                   std::chrono::milliseconds(250)))
        << logs();
    produce(true, false);
    const double firstHalf = static_cast<double>(corpus().half[0] + corpus().half[1]);
    ASSERT_TRUE(testing::waitUntil([&] { return eventsConsumed() >= firstHalf; }, std::chrono::seconds(90),
                                   std::chrono::milliseconds(100)))
        << logs();
  }

  static constexpr int kSignalsPartitions = 4;  // the kill and join tests'
  std::string bootstrap_;
  std::string run_;
  std::string group_;
  std::string alerts_;
  fs::path work_;
  std::vector<std::string> clusters_;
  std::vector<std::string> topics_;
  std::set<std::string> expected_;
  std::deque<Member> members_;  // stable addresses
};

class ScaleOutDeterminism : public ScaleOut, public ::testing::WithParamInterface<std::pair<int, int>> {};

TEST_P(ScaleOutDeterminism, MembersAndSignalsPartitionsRaiseExactlyTheReplayAlerts) {
  const auto [members, signalsPartitions] = GetParam();
  for (int i = 0; i < members; ++i) startMember(signalsPartitions);
  ASSERT_TRUE(testing::waitUntil([&] { return settled(signalsPartitions); }, std::chrono::seconds(90),
                                 std::chrono::milliseconds(250)))
      << logs();
  produce(true, true);
  expectReplayAlerts(collectAndStop(), true);
}

INSTANTIATE_TEST_SUITE_P(Group, ScaleOutDeterminism,
                         ::testing::Values(std::pair{1, 1}, std::pair{2, 4}, std::pair{3, 12}), [](const auto& test) {
                           return std::to_string(test.param.first) + "Members" + std::to_string(test.param.second) +
                                  "SignalsPartitions";
                         });

// SIGKILL one of three members once the first half is consumed — its input partitions' uncommitted tail,
// its correlation tasks' windows open — then the second half, and the member restarted.
TEST_F(ScaleOut, AMemberKilledWithOpenWindowsLosesNoAlert) {
  ASSERT_NO_FATAL_FAILURE(consumeTheFirstHalf(3));
  stopMember(members_[1], SIGKILL);
  produce(false, true);
  startMember(kSignalsPartitions);
  expectReplayAlerts(collectAndStop(), false);
}

// Two members consume the first half; a third joins (an eager rebalance moves input partitions and
// correlation tasks while windows are open) before the second half.
TEST_F(ScaleOut, AMemberJoiningWithOpenWindowsLosesNoAlert) {
  ASSERT_NO_FATAL_FAILURE(consumeTheFirstHalf(2));
  startMember(kSignalsPartitions);
  produce(false, true);
  expectReplayAlerts(collectAndStop(), false);
}

}  // namespace
}  // namespace auditstream
