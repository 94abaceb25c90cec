// Topic administration through librdkafka's Admin API: what the demo needs to lay out per-cluster
// topics on the mock cluster, and what integration tests need on the real broker.
// Thread-safety: callable from any thread; blocks the caller until the broker answers or `timeout`.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "common/result.h"
#include "sinks/kafka_handles.h"

namespace auditstream {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replicationFactor = 1;
  std::map<std::string, std::string> configs;  // topic configs (retention.ms, …); the mock cluster ignores them
};

// Creates the topic; ok if it already exists with any layout (callers that care check metadata).
Status createTopic(rd_kafka_t* client, const TopicSpec& topic, std::chrono::milliseconds timeout);

// Deletes the topic (the real broker only); ok when it does not exist.
Status deleteTopic(rd_kafka_t* client, const std::string& topic, std::chrono::milliseconds timeout);

// The partition count the cluster reports for `topic`; notFound when it does not exist.
Result<int> topicPartitionCount(rd_kafka_t* client, const std::string& topic, std::chrono::milliseconds timeout);

}  // namespace auditstream
