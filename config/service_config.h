// ServiceConfig: `auditstream run --config FILE`, parsed and validated in one function (STYLE.md #7):
// defaults filled, unknown keys rejected, every problem reported as `file:line:col: key (value) must be
// …`. The meaning of every key and its default is in docs/config.md. Immutable once parsed.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace auditstream {

// Where an event's cluster name comes from, tried in `order`.
enum class ClusterSource : std::uint8_t { kHeader, kTopic, kField, kStatic };

struct ClusterIdentity {
  std::vector<ClusterSource> order = {ClusterSource::kHeader, ClusterSource::kTopic, ClusterSource::kStatic};
  std::string header = "cluster";               // Kafka header name
  std::string topicPattern = "^audit\\.(.+)$";  // first capture group of the topic name
  std::string field;                            // JSON path in the message (e.g. a shipper's `cluster`)
  std::map<std::string, std::string> byTopic;   // static: topic → cluster
  std::string fallback = "default";
};

struct AlertmanagerConfig {
  std::vector<std::string> urls;
  std::size_t queue = 10'000;
  std::size_t batch = 64;
  std::chrono::milliseconds timeout{5000};
  std::chrono::seconds resolveTimeout{300};
  std::chrono::seconds throttle{600};
  std::string minLevel = "medium";
  std::string bearerTokenFile;
  std::string basicUser;
  std::string basicPasswordFile;
  std::string caFile;
  std::string certFile;
  std::string keyFile;
  bool insecureSkipVerify = false;
  bool durable = false;
};

// `create_topics`: the alerts and dead-letter topics are created at start-up when missing.
struct TopicCreation {
  int partitions = 6;
  int replicationFactor = 3;
};

struct ServiceConfig {
  std::map<std::string, std::string> kafka;  // librdkafka properties, passed through
  std::vector<std::string> topics;
  std::string topicPattern;  // alternative to `topics` (librdkafka regex subscription)
  ClusterIdentity cluster;
  std::vector<std::string> envelopePaths = {"log", "message", "records[].properties.log", "properties.log"};
  std::size_t maxMessageBytes = 4U << 20U;
  std::vector<std::string> rules;
  unsigned workers = 0;     // 0: one per core
  std::string alertsTopic;  // the Kafka alerts sink; empty: off
  std::optional<AlertmanagerConfig> alertmanager;
  bool stdoutAlerts = false;
  std::string alertsFile;
  std::string deadLetterTopic;                    // empty: rejected messages are counted and logged only
  std::optional<TopicCreation> createTopics;      // unset: a missing alerts/dead-letter topic stops start-up
  std::string metricsAddress = "127.0.0.1:9108";  // empty: no HTTP endpoint
  std::chrono::nanoseconds allowedLateness = std::chrono::seconds(5);
  std::chrono::nanoseconds idleTimeout = std::chrono::seconds(30);
  std::size_t maxKeysPerCorrelation = 100'000;
  // A message with correlation signals is committed once the windows it joined have closed, at most this
  // long after its event time (0: as soon as its signals are applied; open windows are lost on restart).
  std::chrono::nanoseconds maxCommitHold = std::chrono::hours(1);
  // Where correlation signals meet their windows (ARCHITECTURE.md, Data flow). kTopic: stage 1 writes
  // them to `signalsTopic` (default "<group.id>.signals"), partitioned by correlation and group key, and
  // the group's members run a correlation task per signals partition — correlations see every member's
  // events. kInProcess: each member correlates what it consumes itself (one member only; kept for
  // comparison) with commits held by maxCommitHold.
  enum class SignalsPath { kTopic, kInProcess };
  SignalsPath signals = SignalsPath::kTopic;
  std::string signalsTopic;  // empty until loaded: "<group.id>.signals"
  // The topic stage 1 writes signals to; empty: correlations in process (also a config built in code
  // without a signals topic, as unit tests of single stages do).
  std::string signalsTopicInUse() const { return signals == SignalsPath::kTopic ? signalsTopic : std::string(); }
  // How a correlation task's windows outlive it (signals topic only): kChangelog checkpoints them every
  // `checkpointInterval` to `stateTopic` (default "<group.id>.state", compacted) and restores them on
  // assignment; kRebuild re-reads the signals of the longest window (first_seen's history is lost).
  enum class WindowState { kChangelog, kRebuild };
  WindowState windowState = WindowState::kChangelog;
  std::string stateTopic;  // empty until loaded: "<group.id>.state"
  std::chrono::milliseconds checkpointInterval{1000};
  std::size_t maxKnownValues = 10'000;  // first_seen: values remembered per group key
  // The changelog in use; empty: none (correlations in process, or rebuild).
  std::string stateTopicInUse() const {
    return signalsTopicInUse().empty() || windowState != WindowState::kChangelog ? std::string() : stateTopic;
  }
  // What a crash or a rebalance may repeat (docs/config.md, delivery). kAtLeastOnce: outputs are
  // acknowledged before offsets commit — after a crash the alerts topic may hold copies. kExactlyOnce:
  // each member writes its alerts, signals, state and dead letters and commits its offsets in Kafka
  // transactions every `transactionInterval` (a real broker; signals topic and changelog required).
  enum class Delivery { kAtLeastOnce, kExactlyOnce };
  Delivery delivery = Delivery::kAtLeastOnce;
  std::chrono::milliseconds transactionInterval{100};
  // The broker aborts a transaction open longer than this (kafka.transaction.timeout.ms, when set): a
  // member killed mid-transaction holds read_committed readers back until then, unless it restarts first.
  static constexpr std::chrono::milliseconds kDefaultTransactionTimeout{10'000};
  std::string transactionalId;          // empty until loaded: "<group.id>-<host name>"
  int signalsPartitions = 6;            // when the service creates the topic (create_topics: its replication factor)
  std::size_t queueMessages = 100'000;  // unacknowledged messages before partitions are paused
  std::int64_t readyMaxLag = 10'000;    // /readyz: per assigned partition, messages behind the high watermark
};

// Errors: ioError (cannot read), parseError ("file:line:col: …") for the first problem found.
Result<ServiceConfig> loadServiceConfig(const std::string& path);
Result<ServiceConfig> parseServiceConfig(std::string_view text, const std::string& name);

}  // namespace auditstream
