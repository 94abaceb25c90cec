#include "consumer/dead_letter_producer.h"

namespace auditstream {

Result<std::unique_ptr<DeadLetterProducer>> DeadLetterProducer::create(KafkaProperties properties, std::string topic,
                                                                       Logger log) {
  ASSIGN_OR_RETURN(auto producer, DurableProducer::create(std::move(properties), std::move(topic), "dead letter",
                                                          "as-dead-letters", std::move(log)));
  return std::unique_ptr<DeadLetterProducer>(new DeadLetterProducer(std::move(producer)));
}

void DeadLetterProducer::send(std::string_view payload, const DeadLetterSource& source, const Rejection& rejection,
                              std::function<void()> done) {
  DurableRecord record;
  record.value = std::string(payload);
  record.headers = {{"reject_reason", std::string(rejectReasonName(rejection.reason))},
                    {"reject_message", rejection.message},
                    {"source_topic", std::string(source.topic)},
                    {"source_partition", std::to_string(source.partition)},
                    {"source_offset", std::to_string(source.offset)},
                    {"cluster", std::string(source.cluster)}};
  record.done = std::move(done);
  producer_->send(std::move(record));
}

bool DeadLetterProducer::flush(std::chrono::milliseconds timeout) { return producer_->flush(timeout); }

}  // namespace auditstream
