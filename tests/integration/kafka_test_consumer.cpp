#include "tests/integration/kafka_test_consumer.h"

#include "sinks/kafka_client.h"

namespace auditstream::testing {

Result<std::unique_ptr<TestGroupConsumer>> TestGroupConsumer::create(const std::string& bootstrap,
                                                                     const std::string& group) {
  std::unique_ptr<TestGroupConsumer> consumer(new TestGroupConsumer());
  ASSIGN_OR_RETURN(KafkaConfPtr conf, makeKafkaConf({
                                          {"bootstrap.servers", bootstrap},
                                          {"group.id", group},
                                          {"enable.auto.commit", "false"},
                                          {"enable.auto.offset.store", "false"},
                                          {"auto.offset.reset", "earliest"},
                                          {"partition.assignment.strategy", "range"},  // eager
                                          {"session.timeout.ms", "10000"},
                                          {"heartbeat.interval.ms", "500"},
                                      }));
  rd_kafka_conf_set_opaque(conf.get(), consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), &TestGroupConsumer::onRebalance);
  ASSIGN_OR_RETURN(consumer->client_, makeKafkaClient(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(consumer->client_.get());
  return consumer;
}

TestGroupConsumer::~TestGroupConsumer() {
  if (!closed_) static_cast<void>(close());
}

Status TestGroupConsumer::subscribe(const std::string& topic) {
  KafkaPartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  return kafkaError("subscribe " + topic, rd_kafka_subscribe(client_.get(), topics.get()));
}

void TestGroupConsumer::onRebalance(rd_kafka_t* client, rd_kafka_resp_err_t event,
                                    rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<TestGroupConsumer*>(opaque);
  ++self->rebalances_;
  if (event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->assigned_ = partitions->cnt;
    rd_kafka_assign(client, partitions);
    return;
  }
  // Revoke: every recorded message's offset is stored; commit them before the partitions move, so the
  // next owner starts exactly after what we processed.
  const rd_kafka_resp_err_t error = rd_kafka_commit(client, nullptr, 0);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    self->errors_.push_back(std::string("commit on revoke: ") + rd_kafka_err2str(error));
  }
  self->assigned_ = 0;
  rd_kafka_assign(client, nullptr);
}

std::optional<ReceivedMessage> TestGroupConsumer::pollOnce(std::chrono::milliseconds timeout) {
  KafkaMessagePtr message(rd_kafka_consumer_poll(client_.get(), static_cast<int>(timeout.count())));
  if (!message) return std::nullopt;
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    errors_.push_back(std::string("consume: ") + rd_kafka_message_errstr(message.get()));
    return std::nullopt;
  }
  ReceivedMessage received;
  received.partition = message->partition;
  received.offset = message->offset;
  received.key.assign(static_cast<const char*>(message->key), message->key_len);
  received.value.assign(static_cast<const char*>(message->payload), message->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      received.headers[name] = std::string(static_cast<const char*>(value), size);
    }
  }

  KafkaPartitionListPtr processed(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(processed.get(), rd_kafka_topic_name(message->rkt), message->partition)->offset =
      message->offset + 1;  // the next offset to read
  const rd_kafka_resp_err_t error = rd_kafka_offsets_store(client_.get(), processed.get());
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) errors_.push_back(std::string("offsets_store: ") + rd_kafka_err2str(error));
  return received;
}

Status TestGroupConsumer::commit() {
  const rd_kafka_resp_err_t error = rd_kafka_commit(client_.get(), nullptr, 0);
  if (error == RD_KAFKA_RESP_ERR__NO_OFFSET) return Status::ok();
  return kafkaError("commit", error);
}

Status TestGroupConsumer::close() {
  closed_ = true;
  return kafkaError("consumer close", rd_kafka_consumer_close(client_.get()));
}

}  // namespace auditstream::testing
