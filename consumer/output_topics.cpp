#include "consumer/output_topics.h"

#include <vector>

#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"

namespace auditstream {

Status checkOutputTopics(const ServiceConfig& config, std::chrono::milliseconds timeout) {
  std::vector<std::pair<std::string, std::string>> topics;  // (what it is, name)
  if (!config.alertsTopic.empty()) topics.emplace_back("alerts topic (sinks.kafka_topic)", config.alertsTopic);
  if (!config.deadLetterTopic.empty())
    topics.emplace_back("dead-letter topic (dead_letter_topic)", config.deadLetterTopic);
  if (topics.empty()) return Status::ok();
  KafkaProperties properties = config.kafka;
  properties.erase("group.id");
  properties["allow.auto.create.topics"] =
      "false";  // a metadata request must not create the topic with broker defaults
  ASSIGN_OR_RETURN(KafkaClientPtr client, makeKafkaClient(RD_KAFKA_PRODUCER, properties));
  for (const auto& [what, name] : topics) {
    Result<int> partitions = topicPartitionCount(client.get(), name, timeout);
    if (partitions) continue;
    const bool missing = partitions.status().message().find("UNKNOWN_TOPIC") != std::string::npos;
    if (!missing) {
      return unavailable("cannot check the " + what + " '" + name + "' at " + config.kafka.at("bootstrap.servers") +
                         ": " + partitions.status().message());
    }
    if (!config.createTopics) {
      return notFound("the " + what + " '" + name +
                      "' does not exist; create it, or set create_topics: {partitions: N, replication_factor: R}");
    }
    const Status created =
        createTopic(client.get(),
                    TopicSpec{name, config.createTopics->partitions, config.createTopics->replicationFactor}, timeout);
    if (!created.isOk()) return Status(created.code(), "cannot create the " + what + ": " + created.message());
  }
  return Status::ok();
}

}  // namespace auditstream
