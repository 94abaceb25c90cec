#include "consumer/output_topics.h"

#include <vector>

#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"

namespace auditstream {
namespace {

Result<KafkaClientPtr> adminClient(const ServiceConfig& config) {
  KafkaProperties properties = config.kafka;
  properties.erase("group.id");
  properties["allow.auto.create.topics"] =
      "false";  // a metadata request must not create the topic with broker defaults
  return makeKafkaClient(RD_KAFKA_PRODUCER, properties);
}

// The topic's partition count, after creating it (`spec`) if it is missing and create_topics allows,
// or it is the service's own (`internal`: like Kafka Streams' internal topics, created without asking).
Result<int> ensureTopic(rd_kafka_t* client, const ServiceConfig& config, const std::string& what, TopicSpec spec,
                        std::chrono::milliseconds timeout, bool internal = false) {
  Result<int> partitions = topicPartitionCount(client, spec.name, timeout);
  if (partitions) return partitions;
  const bool missing = partitions.status().message().find("UNKNOWN_TOPIC") != std::string::npos;
  if (!missing) {
    return unavailable("cannot check the " + what + " '" + spec.name + "' at " + config.kafka.at("bootstrap.servers") +
                       ": " + partitions.status().message());
  }
  if (!config.createTopics && !internal) {
    return notFound("the " + what + " '" + spec.name +
                    "' does not exist; create it, or set create_topics: {partitions: N, replication_factor: R}");
  }
  const Status created = createTopic(client, spec, timeout);
  if (!created.isOk()) return Status(created.code(), "cannot create the " + what + ": " + created.message());
  return spec.partitions;
}

}  // namespace

Status checkOutputTopics(const ServiceConfig& config, std::chrono::milliseconds timeout) {
  std::vector<std::pair<std::string, std::string>> topics;  // (what it is, name)
  if (!config.alertsTopic.empty()) topics.emplace_back("alerts topic (sinks.kafka_topic)", config.alertsTopic);
  if (!config.deadLetterTopic.empty())
    topics.emplace_back("dead-letter topic (dead_letter_topic)", config.deadLetterTopic);
  if (topics.empty()) return Status::ok();
  ASSIGN_OR_RETURN(KafkaClientPtr client, adminClient(config));
  for (const auto& [what, name] : topics) {
    TopicSpec spec{name,
                   config.createTopics ? config.createTopics->partitions : 1,
                   config.createTopics ? config.createTopics->replicationFactor : 1,
                   {}};
    RETURN_IF_ERROR(ensureTopic(client.get(), config, what, std::move(spec), timeout).status());
  }
  return Status::ok();
}

Result<int> prepareSignalsTopic(const ServiceConfig& config, std::chrono::milliseconds retention,
                                std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(KafkaClientPtr client, adminClient(config));
  TopicSpec spec{config.signalsTopic,
                 config.signalsPartitions,
                 config.createTopics ? config.createTopics->replicationFactor : -1,  // -1: the broker's default
                 {{"retention.ms", std::to_string(retention.count())}, {"cleanup.policy", "delete"}}};
  return ensureTopic(client.get(), config, "signals topic (correlation.signals_topic)", std::move(spec), timeout, true);
}

Status prepareStateTopic(const ServiceConfig& config, int partitions, std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(KafkaClientPtr client, adminClient(config));
  TopicSpec spec{config.stateTopic,
                 partitions,
                 config.createTopics ? config.createTopics->replicationFactor : -1,
                 {{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "60000"}, {"max.message.bytes", "8388608"}}};
  ASSIGN_OR_RETURN(const int found, ensureTopic(client.get(), config, "state changelog (correlation.state_topic)",
                                                std::move(spec), timeout, true));
  if (found != partitions) {
    return failedPrecondition("the state changelog '" + config.stateTopic + "' has " + std::to_string(found) +
                              " partitions, the signals topic '" + config.signalsTopic + "' " +
                              std::to_string(partitions) + ": they must match (delete the changelog to start afresh)");
  }
  return Status::ok();
}

}  // namespace auditstream
