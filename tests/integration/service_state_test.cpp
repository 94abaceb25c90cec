// Correlation windows that outlive their member (issue 15), `auditstream run` on the real broker, one
// cluster, one signals partition (one correlation task) and the bundled rules:
// - a 403 burst half seen when its task's owner is killed with SIGKILL: the member that takes the task over
//   restores the window from the state changelog and completes it — the alert id `replay` gives, once —
//   without reading the input again (its events counter) or rebuilding from the signals topic;
// - first_seen after its learning hour: the owner killed, the signals topic's history gone (as after its
//   retention), a new member: a known user agent does not alert, a new one does, right away;
// - SIGHUP with an unrelated rule changed and a correlation changed, in the middle of a burst: the burst
//   fires once; the changed correlation's state is dropped and the log says so.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>

#include "consumer/state_changelog.h"
#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"
#include "tests/integration/service_harness.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

using namespace service_it;  // NOLINT(google-build-using-namespace): the harness of these tests

const fs::path kBurst = kSource / "tests/rules/corr-forbidden-burst-per-user/events.jsonl";
const fs::path kNewAgent = kSource / "tests/rules/corr-forbidden-from-new-user-agent/events.jsonl";
constexpr const char* kNewAgentCorrelation = "7a0c1e52-5f7d-4a39-9d41-000000000109";

// The changelog as a restore reads it (to its end as it is now): partition 0's snapshot.
struct ChangelogView {
  std::set<std::string> liveGroupKeys;
  std::optional<TaskMeta> task;
};

ChangelogView readChangelog(const std::string& bootstrap, const std::string& topic) {
  ChangelogView view;
  Result<RestoreResult> read = readStateChangelog(KafkaProperties{{"bootstrap.servers", bootstrap}}, topic, {0},
                                                  std::chrono::seconds(10), Logger{});
  if (!read) return view;
  const auto snapshot = read->snapshots.find(0);
  if (snapshot == read->snapshots.end()) return view;
  view.task = snapshot->second.meta;
  for (const StoredKey& key : snapshot->second.keys) view.liveGroupKeys.insert(key.key);
  return view;
}

bool hasKeyOf(const ChangelogView& view, const std::string& user) {
  return std::any_of(view.liveGroupKeys.begin(), view.liveGroupKeys.end(),
                     [&](const std::string& key) { return key.find(user) != std::string::npos; });
}

class ServiceState : public ::testing::Test {
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
    run_ = testing::uniqueName("state");
    group_ = run_ + "-group";
    cluster_ = run_ + "-c";
    topic_ = "audit." + cluster_;
    alerts_ = "alerts." + run_;
    work_ = fs::temp_directory_path() / run_;
    fs::create_directories(work_);
    rules_ = work_ / "rules";
    fs::copy(kSource / "config/rules", rules_, fs::copy_options::recursive);
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap_}}).value();
    ASSERT_TRUE(createTopic(admin.get(), TopicSpec{topic_, 1, 1}, std::chrono::seconds(30)).isOk());
    ASSERT_TRUE(createTopic(admin.get(), TopicSpec{alerts_, 1, 1}, std::chrono::seconds(30)).isOk());
  }

  void TearDown() override {
    for (Member& member : members_) stop(member, SIGKILL);
    if (HasFailure()) {
      for (const Member& member : members_) std::cerr << "---- " << member.log << "\n" << fileText(member.log);
    }
  }

  Member& start() {
    Member& member = members_.emplace_back();
    member.port = freePort();
    const std::string name = "m" + std::to_string(members_.size());
    member.log = (work_ / (name + ".log")).string();
    const fs::path config = work_ / (name + ".yml");
    // Short sessions: a killed member's partitions move in seconds. The stream is historic, then quiet:
    // a 2 s idle timeout lets it stop holding the watermark back, as a live stream's would.
    std::ofstream(config) << "kafka: {bootstrap.servers: '" << bootstrap_ << "', group.id: " << group_
                          << ", session.timeout.ms: 6000, heartbeat.interval.ms: 1000}\n"
                          << "topics: [" << topic_ << "]\nrules: [" << rules_.string()
                          << "]\nsinks: {kafka_topic: " << alerts_ << "}\nworkers: 1\n"
                          << "correlation: {idle_timeout: 2s, signals_partitions: 1}\n"
                          << "metrics: {address: '127.0.0.1:" << member.port << "'}\n";
    member.pid = spawnService(config.string(), member.log);
    EXPECT_GT(member.pid, 0);
    EXPECT_TRUE(testing::waitUntil(
        [&] {
          return metricValue(member.port, "auditstream_assigned_partitions") == 1 &&
                 metricValue(member.port, "auditstream_correlation_tasks") == 1;
        },
        std::chrono::seconds(60), std::chrono::milliseconds(250)))
        << "the member never owned the input partition and the task";
    return member;
  }

  static void stop(Member& member, int signal = SIGTERM) {
    if (member.pid <= 0) return;
    kill(member.pid, signal);
    waitpid(member.pid, nullptr, 0);
    member.pid = -1;
  }

  void produce(const std::vector<std::string>& events) { ASSERT_TRUE(produceAll(bootstrap_, topic_, events).isOk()); }

  // The input read so far and the signals it made are committed: with the changelog, the signals offset
  // commits only with a checkpoint that includes them (and the test checks `user`'s window is in it).
  void waitForCheckpointOf(const std::string& user, std::size_t count) {
    ASSERT_TRUE(testing::waitUntil(
        [&] {
          return allCommitted(bootstrap_, group_, topic_, 1) &&
                 allCommitted(bootstrap_, group_, group_ + ".signals", 1);
        },
        std::chrono::seconds(60), std::chrono::milliseconds(500)))
        << "the first " << count << " events and their signals were never committed";
    if (std::getenv("AUDITSTREAM_SERVICE_BINARY") == nullptr) {  // an older build may keep no changelog
      EXPECT_TRUE(hasKeyOf(readChangelog(bootstrap_, group_ + ".state"), user));
    }
  }

  // Waits until every id in `expected` is on the alerts topic; then the alert counts by id.
  std::map<std::string, int> alertsOnceExpected(const std::set<std::string>& expected) {
    std::map<std::string, int> counts;
    testing::waitUntil(
        [&] {
          counts = alertIdCounts(bootstrap_, alerts_);
          return std::all_of(expected.begin(), expected.end(), [&](const auto& id) { return counts.contains(id); });
        },
        std::chrono::seconds(60), std::chrono::seconds(1));
    return counts;
  }

  std::string bootstrap_;
  std::string run_;
  std::string group_;
  std::string cluster_;
  std::string topic_;
  std::string alerts_;
  fs::path work_;
  fs::path rules_;
  std::deque<Member> members_;
};

std::vector<std::string> slice(const std::vector<std::string>& all, std::size_t from, std::size_t to) {
  return {all.begin() + static_cast<std::ptrdiff_t>(from), all.begin() + static_cast<std::ptrdiff_t>(to)};
}

TEST_F(ServiceState, AKilledOwnersHalfSeenBurstIsCompletedFromTheChangelogWithoutReadingTheInputAgain) {
  const std::vector<std::string> events = lines(kBurst);
  ASSERT_EQ(events.size(), 20U);  // mallory's 403s: 7 in the first 10 events, the 10th (the threshold) later
  const std::set<std::string> expected = replayAlertIds(cluster_, {kBurst});
  ASSERT_FALSE(expected.empty());
  Member& first = start();
  produce(slice(events, 0, 10));
  ASSERT_NO_FATAL_FAILURE(waitForCheckpointOf("mallory", 10));
  stop(first, SIGKILL);
  Member& second = start();
  produce(slice(events, 10, events.size()));
  const std::map<std::string, int> counts = alertsOnceExpected(expected);
  for (const std::string& id : expected) EXPECT_EQ(counts.count(id) ? counts.at(id) : 0, 1) << id;
  for (const auto& [id, count] : counts) EXPECT_TRUE(expected.contains(id)) << "not in replay's answer: " << id;
  // The window came from the changelog: the input was not read again, nor the signals topic rebuilt.
  EXPECT_EQ(metricValue(second.port, "auditstream_events_total"), 10);
  EXPECT_GE(metricValue(second.port, "auditstream_state_restored_keys_total"), 1);
  EXPECT_EQ(metricValue(second.port, "auditstream_correlation_task_records_total{outcome=\"rebuild\"}"), 0);
}

// Deletes every record of `topic`'s partition 0 (what retention does to a signals topic after a day).
void deleteAllRecords(const std::string& bootstrap, const std::string& topic) {
  auto client = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap}}).value();
  std::int64_t low = 0;
  std::int64_t high = 0;
  ASSERT_EQ(rd_kafka_query_watermark_offsets(client.get(), topic.c_str(), 0, &low, &high, 10'000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  KafkaPartitionListPtr offsets(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(offsets.get(), topic.c_str(), 0)->offset = high;
  rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(offsets.get());
  KafkaQueuePtr queue(rd_kafka_queue_new(client.get()));
  rd_kafka_DeleteRecords(client.get(), &request, 1, nullptr, queue.get());
  rd_kafka_DeleteRecords_destroy(request);
  KafkaEventPtr event(rd_kafka_queue_poll(queue.get(), 30'000));
  ASSERT_TRUE(event);
  ASSERT_EQ(rd_kafka_event_error(event.get()), RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_event_error_string(event.get());
  ASSERT_EQ(rd_kafka_query_watermark_offsets(client.get(), topic.c_str(), 0, &low, &high, 10'000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(low, high);
}

TEST_F(ServiceState, FirstSeenHistoryOutlivesARestartAndTheSignalsTopicsRetention) {
  const std::vector<std::string> events = lines(kNewAgent);
  ASSERT_EQ(events.size(), 11U);  // 9 events of carol's history (with learning), then curl, then her kubectl
  const std::set<std::string> expected = replayAlertIds(cluster_, {kNewAgent});
  ASSERT_FALSE(expected.empty());
  Member& first = start();
  produce(slice(events, 0, 9));
  ASSERT_NO_FATAL_FAILURE(waitForCheckpointOf("carol", 9));
  // Until the last checkpoint buffers nothing (it would be read again from the signals topic).
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        const ChangelogView view = readChangelog(bootstrap_, group_ + ".state");
        return (!view.task || view.task->clocks.pendingOrigins.empty()) &&
               allCommitted(bootstrap_, group_, group_ + ".signals", 1);
      },
      std::chrono::seconds(60), std::chrono::milliseconds(500)));
  stop(first, SIGKILL);
  ASSERT_NO_FATAL_FAILURE(deleteAllRecords(bootstrap_, group_ + ".signals"));
  Member& second = start();
  produce(slice(events, 9, events.size()));
  std::map<std::string, int> counts = alertsOnceExpected(expected);
  stop(second);  // drains: anything more would be on the topic now
  counts = alertIdCounts(bootstrap_, alerts_);
  for (const std::string& id : expected) EXPECT_EQ(counts.count(id) ? counts.at(id) : 0, 1) << id;
  for (const auto& [id, count] : counts) EXPECT_TRUE(expected.contains(id)) << "not in replay's answer: " << id;
}

TEST_F(ServiceState, AReloadMidBurstKeepsTheWindowAndDropsAChangedCorrelationsState) {
  const std::vector<std::string> events = lines(kBurst);
  const std::set<std::string> expected = replayAlertIds(cluster_, {kBurst});
  Member& member = start();
  produce(slice(events, 0, 10));
  ASSERT_NO_FATAL_FAILURE(waitForCheckpointOf("mallory", 10));
  // An unrelated rule changed (its title), and the first_seen correlation (its learning period).
  const fs::path base = rules_ / "correlations/forbidden_from_new_user_agent.yml";
  std::string text = fileText(base.string());
  text = std::regex_replace(text, std::regex("learning: 1h"), "learning: 2h");
  std::ofstream(base) << text;
  for (const auto& entry : fs::recursive_directory_iterator(rules_)) {
    if (entry.path().extension() != ".yml" || entry.path().parent_path().filename() == "correlations") continue;
    std::string rule = fileText(entry.path().string());
    const std::size_t title = rule.find("title: ");
    if (title == std::string::npos) continue;
    rule.insert(title + 7, "(edited) ");
    std::ofstream(entry.path()) << rule;
    break;
  }
  kill(member.pid, SIGHUP);
  ASSERT_TRUE(testing::waitUntil([&] { return fileText(member.log).find("msg=reloaded") != std::string::npos; },
                                 std::chrono::seconds(30), std::chrono::milliseconds(200)));
  produce(slice(events, 10, events.size()));
  std::map<std::string, int> counts = alertsOnceExpected(expected);
  stop(member);
  counts = alertIdCounts(bootstrap_, alerts_);
  for (const std::string& id : expected) EXPECT_EQ(counts.count(id) ? counts.at(id) : 0, 1) << id;
  const std::string log = fileText(member.log);
  EXPECT_NE(log.find(std::string("correlation state dropped: the correlation changed or is gone\" correlation=") +
                     kNewAgentCorrelation),
            std::string::npos);
}

}  // namespace
}  // namespace auditstream
