#include "consumer/group_consumer.h"

#include "sinks/kafka_client.h"

namespace auditstream {

Result<KafkaClientPtr> subscribeGroupConsumer(const ServiceConfig& config, const GroupCallbacks& callbacks) {
  KafkaProperties properties = config.kafka;
  properties["enable.auto.offset.store"] = "false";
  properties["enable.auto.commit"] = "false";  // commits come from the offset tracker
  properties.try_emplace("partition.assignment.strategy", "range");
  properties.try_emplace("auto.offset.reset", "earliest");
  properties.try_emplace("statistics.interval.ms", "5000");  // lag and readiness
  ASSIGN_OR_RETURN(KafkaConfPtr conf, makeKafkaConf(properties));
  rd_kafka_conf_set_opaque(conf.get(), callbacks.opaque);
  rd_kafka_conf_set_rebalance_cb(conf.get(), callbacks.rebalance);
  rd_kafka_conf_set_stats_cb(conf.get(), callbacks.statistics);
  ASSIGN_OR_RETURN(KafkaClientPtr consumer, makeKafkaClient(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(consumer.get());
  std::vector<std::string> topics = config.topics;
  if (topics.empty()) topics.push_back(config.topicPattern);
  if (!config.signalsTopicInUse().empty()) topics.push_back(config.signalsTopic);
  KafkaPartitionListPtr subscription(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& topic : topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (const rd_kafka_resp_err_t error = rd_kafka_subscribe(consumer.get(), subscription.get())) {
    return kafkaError("subscribe", error);
  }
  return consumer;
}

bool pauseAssignment(rd_kafka_t* consumer, bool pause) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(consumer, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  KafkaPartitionListPtr assignment(raw);
  const rd_kafka_resp_err_t error = pause ? rd_kafka_pause_partitions(consumer, assignment.get())
                                          : rd_kafka_resume_partitions(consumer, assignment.get());
  return error == RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace auditstream
