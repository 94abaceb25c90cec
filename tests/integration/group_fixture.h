// What the consumer-group tests on the real broker share (service_scale_out_test,
// service_exactly_once_test): a generated stream of 2 clusters' traffic with one instance or more of
// every attack scenario the load generator knows — every bundled correlation among them — the alert ids
// `replay` gives for it, and members of one group run as separate `auditstream run` processes (so
// SIGKILL is real), each with its own config, log and /metrics port.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <array>
#include <deque>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/service_harness.h"
#include "traffic/traffic_schedule.h"

namespace auditstream::service_it {

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
const Corpus& attackCorpus();

struct ReceivedAlert {
  std::string id;
  std::string rule;
  std::string cluster;
  std::set<std::string> auditIds;
};

// Every alert on `topic` (read_committed), in the order read.
std::vector<ReceivedAlert> readAlerts(const std::string& bootstrap, const std::string& topic);

class GroupFixture : public ::testing::Test {
 protected:
  struct Member {
    pid_t pid = -1;
    int port = 0;
    std::string log;
    std::string config;
  };

  void SetUp() override;
  void TearDown() override;

  // Unkeyed, as a shipper that keys by nothing: librdkafka spreads the messages over the partitions.
  // Events [from, to) of each cluster, as fractions of its stream.
  void produceShare(double from, double to);
  void produce(bool firstHalf, bool secondHalf);
  void produceEvents(const std::array<std::pair<std::size_t, std::size_t>, kClusters>& ranges);

  // A new member with `extraConfig` (YAML lines) appended to the shared config and `extraKafka`
  // (", key: value" pairs) to its kafka map.
  Member& startMember(int signalsPartitions, const std::string& extraConfig = "", const std::string& extraKafka = "");
  // The member's process again, same config (a restart after a kill).
  void restartMember(Member& member);
  static void stopMember(Member& member, int signal = SIGTERM);

  // Every input partition and every signals partition owned by a live member, each live member owning
  // some input partitions: the group has settled.
  bool settled(int signalsPartitions) const;
  double eventsConsumed() const;
  std::string logs() const;

  // Waits (bounded) until every expected alert is on the alerts topic, then stops the members.
  std::vector<ReceivedAlert> collectAndStop();
  // None missing, none unexpected, every scenario instance detected (its rule, its cluster, all its
  // required audit IDs in one alert); `once`: no id twice.
  void expectReplayAlerts(const std::vector<ReceivedAlert>& alerts, bool once);

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

}  // namespace auditstream::service_it
