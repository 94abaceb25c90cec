#include "tests/integration/group_fixture.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <simdjson.h>

#include "engine/event_time.h"
#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"

namespace auditstream::service_it {

const Corpus& attackCorpus() {
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

void GroupFixture::SetUp() {
  const Result<std::string> bootstrap = testing::kafkaBootstrap();
  ASSERT_TRUE(bootstrap) << bootstrap.status();
  bootstrap_ = *bootstrap;
  run_ = testing::uniqueName("group");
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
  const Corpus& events = attackCorpus();
  ASSERT_GE(events.scenarios.size(), AttackScenarios::count());
  for (std::size_t c = 0; c < kClusters; ++c) {
    const std::set<std::string> ids = replayAlertIds(clusters_[c], {events.fileOf(c)});
    expected_.insert(ids.begin(), ids.end());
  }
  ASSERT_GE(expected_.size(), events.scenarios.size());
}

void GroupFixture::TearDown() {
  for (Member& member : members_) stopMember(member);
}

void GroupFixture::produceEvents(const std::array<std::pair<std::size_t, std::size_t>, kClusters>& ranges) {
  auto producer =
      makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap_}, {"linger.ms", "5"}})
          .value();
  const Corpus& events = attackCorpus();
  for (std::size_t c = 0; c < kClusters; ++c) {
    for (std::size_t i = ranges[c].first; i < ranges[c].second; ++i) {
      while (KafkaErrorPtr error = produceCopy(producer.get(), topics_[c], "", events.events[c][i])) {
        ASSERT_EQ(rd_kafka_error_code(error.get()), RD_KAFKA_RESP_ERR__QUEUE_FULL)
            << rd_kafka_error_string(error.get());
        rd_kafka_poll(producer.get(), 10);
      }
    }
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 60'000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

void GroupFixture::produceShare(double from, double to) {
  const Corpus& events = attackCorpus();
  std::array<std::pair<std::size_t, std::size_t>, kClusters> ranges;
  for (std::size_t c = 0; c < kClusters; ++c) {
    const auto size = static_cast<double>(events.events[c].size());
    ranges[c] = {static_cast<std::size_t>(from * size),
                 to >= 1.0 ? events.events[c].size() : static_cast<std::size_t>(to * size)};
  }
  produceEvents(ranges);
}

void GroupFixture::produce(bool firstHalf, bool secondHalf) {
  const Corpus& events = attackCorpus();
  std::array<std::pair<std::size_t, std::size_t>, kClusters> ranges;
  for (std::size_t c = 0; c < kClusters; ++c) {
    ranges[c] = {firstHalf ? 0 : events.half[c], secondHalf ? events.events[c].size() : events.half[c]};
  }
  produceEvents(ranges);
}

GroupFixture::Member& GroupFixture::startMember(int signalsPartitions, const std::string& extraConfig,
                                                const std::string& extraKafka) {
  Member& member = members_.emplace_back();
  member.port = freePort();
  const std::string name = "m" + std::to_string(members_.size());
  member.log = (work_ / (name + ".log")).string();
  member.config = (work_ / (name + ".yml")).string();
  // Short sessions: a killed member's partitions move in seconds. Historic streams go quiet after their
  // last event: a 2 s idle timeout lets their sources stop holding the tasks' watermarks back.
  std::ofstream(member.config) << "kafka: {bootstrap.servers: '" << bootstrap_ << "', group.id: " << group_
                               << ", session.timeout.ms: 6000, heartbeat.interval.ms: 1000" << extraKafka << "}\n"
                               << "topics: [" << topics_[0] << ", " << topics_[1] << "]\nrules: ["
                               << (kSource / "config/rules").string() << "]\nsinks: {kafka_topic: " << alerts_
                               << "}\nworkers: 1\ncorrelation: {idle_timeout: 2s, signals_partitions: "
                               << signalsPartitions << "}\nmetrics: {address: '127.0.0.1:" << member.port << "'}\n"
                               << extraConfig;
  member.pid = spawnService(member.config, member.log);
  EXPECT_GT(member.pid, 0);
  return member;
}

void GroupFixture::restartMember(Member& member) {
  member.pid = spawnService(member.config, member.log);
  EXPECT_GT(member.pid, 0);
}

void GroupFixture::stopMember(Member& member, int signal) {
  if (member.pid <= 0) return;
  kill(member.pid, signal);
  waitpid(member.pid, nullptr, 0);
  member.pid = -1;
}

bool GroupFixture::settled(int signalsPartitions) const {
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

double GroupFixture::eventsConsumed() const {
  double events = 0;
  for (const Member& member : members_) {
    if (member.pid > 0) events += metricValue(member.port, "auditstream_events_total");
  }
  return events;
}

std::string GroupFixture::logs() const {
  std::string text;
  for (const Member& member : members_) text += "---- " + member.log + "\n" + fileText(member.log);
  return text;
}

std::vector<ReceivedAlert> GroupFixture::collectAndStop() {
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

void GroupFixture::expectReplayAlerts(const std::vector<ReceivedAlert>& alerts, bool once) {
  std::map<std::string, int> counts;
  for (const ReceivedAlert& alert : alerts) ++counts[alert.id];
  for (const std::string& id : expected_) EXPECT_TRUE(counts.contains(id)) << "lost: " << id;
  for (const auto& [id, count] : counts) {
    EXPECT_TRUE(expected_.contains(id)) << "not in replay's answer: " << id;
    if (once) {
      EXPECT_EQ(count, 1) << "repeated: " << id;
    }
  }
  for (const ScenarioInstance& scenario : attackCorpus().scenarios) {
    const std::set<std::string> required(scenario.requiredAuditIds.begin(), scenario.requiredAuditIds.end());
    const bool detected = std::any_of(alerts.begin(), alerts.end(), [&](const ReceivedAlert& alert) {
      return alert.rule == scenario.ruleId && alert.cluster == clusters_[scenario.cluster] &&
             std::includes(alert.auditIds.begin(), alert.auditIds.end(), required.begin(), required.end());
    });
    EXPECT_TRUE(detected) << "missed: " << scenario.scenario << " in " << clusters_[scenario.cluster];
  }
  if (::testing::Test::HasFailure()) ADD_FAILURE() << logs();
}

}  // namespace auditstream::service_it
