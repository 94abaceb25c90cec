#include "sinks/kafka_admin.h"

#include <librdkafka/rdkafka_mock.h>

#include "common/result.h"
#include "sinks/kafka_client.h"

namespace auditstream {
namespace {

int toTimeoutMs(std::chrono::milliseconds timeout) { return static_cast<int>(timeout.count()); }

}  // namespace

Status createTopic(rd_kafka_t* client, const TopicSpec& topic, std::chrono::milliseconds timeout) {
  char reason[512];
  // librdkafka 2.0.2's mock cluster does not answer CreateTopics (the request times out); it has its
  // own call. A client created with test.mock.num.brokers owns such a cluster.
  if (rd_kafka_mock_cluster_t* mock = rd_kafka_handle_mock_cluster(client); mock != nullptr) {
    if (topic.partitions < 1 || topic.replicationFactor < 1) {
      return invalidArgument("topic '" + topic.name + "': partitions and replication factor must be at least 1");
    }
    const rd_kafka_resp_err_t error =
        rd_kafka_mock_topic_create(mock, topic.name.c_str(), topic.partitions, topic.replicationFactor);
    if (error == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return Status::ok();
    return kafkaError("create topic '" + topic.name + "' on the mock cluster", error);
  }
  KafkaNewTopicPtr newTopic(
      rd_kafka_NewTopic_new(topic.name.c_str(), topic.partitions, topic.replicationFactor, reason, sizeof reason));
  if (!newTopic) return invalidArgument("topic '" + topic.name + "': " + reason);
  for (const auto& [name, value] : topic.configs) {
    if (const rd_kafka_resp_err_t error = rd_kafka_NewTopic_set_config(newTopic.get(), name.c_str(), value.c_str())) {
      return kafkaError("topic '" + topic.name + "' config " + name, error);
    }
  }

  KafkaAdminOptionsPtr options(rd_kafka_AdminOptions_new(client, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), toTimeoutMs(timeout), reason, sizeof reason) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return invalidArgument(std::string("create topic options: ") + reason);
  }

  KafkaQueuePtr queue(rd_kafka_queue_new(client));
  rd_kafka_NewTopic_t* topics[] = {newTopic.get()};
  rd_kafka_CreateTopics(client, topics, 1, options.get(), queue.get());

  // Wait a little longer than the operation timeout so the broker's own timeout answer arrives first.
  KafkaEventPtr event(rd_kafka_queue_poll(queue.get(), toTimeoutMs(timeout) + 1000));
  if (!event) return deadlineExceeded("create topic '" + topic.name + "': no answer from the cluster");
  RETURN_IF_ERROR(kafkaError("create topic '" + topic.name + "'", rd_kafka_event_error(event.get())));

  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  if (result == nullptr) return internalError("create topic '" + topic.name + "': unexpected admin event");
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (std::size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t error = rd_kafka_topic_result_error(results[i]);
    if (error == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* message = rd_kafka_topic_result_error_string(results[i]);
      return kafkaError(
          "create topic '" + topic.name + "'" + (message != nullptr ? std::string(" (") + message + ")" : ""), error);
    }
  }
  return Status::ok();
}

Status deleteTopic(rd_kafka_t* client, const std::string& topic, std::chrono::milliseconds timeout) {
  std::unique_ptr<rd_kafka_DeleteTopic_t, decltype(&rd_kafka_DeleteTopic_destroy)> request(
      rd_kafka_DeleteTopic_new(topic.c_str()), rd_kafka_DeleteTopic_destroy);
  KafkaQueuePtr queue(rd_kafka_queue_new(client));
  rd_kafka_DeleteTopic_t* topics[] = {request.get()};
  rd_kafka_DeleteTopics(client, topics, 1, nullptr, queue.get());
  KafkaEventPtr event(rd_kafka_queue_poll(queue.get(), toTimeoutMs(timeout)));
  if (!event) return deadlineExceeded("delete topic '" + topic + "': no answer from the cluster");
  RETURN_IF_ERROR(kafkaError("delete topic '" + topic + "'", rd_kafka_event_error(event.get())));
  const rd_kafka_DeleteTopics_result_t* result = rd_kafka_event_DeleteTopics_result(event.get());
  if (result == nullptr) return internalError("delete topic '" + topic + "': unexpected admin event");
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_DeleteTopics_result_topics(result, &count);
  for (std::size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t error = rd_kafka_topic_result_error(results[i]);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      return kafkaError("delete topic '" + topic + "'", error);
    }
  }
  return Status::ok();
}

Result<int> topicPartitionCount(rd_kafka_t* client, const std::string& topic, std::chrono::milliseconds timeout) {
  rd_kafka_topic_t* handle = rd_kafka_topic_new(client, topic.c_str(), nullptr);
  if (handle == nullptr) return internalError("rd_kafka_topic_new('" + topic + "') failed");
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t error = rd_kafka_metadata(client, 0, handle, &metadata, toTimeoutMs(timeout));
  rd_kafka_topic_destroy(handle);
  RETURN_IF_ERROR(kafkaError("metadata for '" + topic + "'", error));
  std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)> owned(metadata,
                                                                                         rd_kafka_metadata_destroy);
  if (owned->topic_cnt != 1) return internalError("metadata for '" + topic + "': unexpected topic count");
  const rd_kafka_metadata_topic_t& described = owned->topics[0];
  RETURN_IF_ERROR(kafkaError("metadata for '" + topic + "'", described.err));
  return described.partition_cnt;
}

}  // namespace auditstream
