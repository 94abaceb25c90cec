// EventPublisher: where the webhook's events go — each cluster's Kafka topic (KafkaEventPublisher), or a
// fake in tests. `publish` returns only once every event of the batch is acknowledged (or failed): the
// apiserver gets 200 only for a batch that is durably in Kafka, and retries what got 503.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace auditstream {

struct OutgoingEvent {
  std::string_view value;  // the event's JSON text
  std::string_view key;    // empty: no key
};

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  // Every event to `topic` with the cluster header. Errors: unavailable (not all acknowledged in time).
  virtual Status publish(const std::string& topic, std::string_view cluster, std::span<const OutgoingEvent> events) = 0;
  // A request body whose events were (partly) rejected, with the reason and how many, to the dead-letter
  // topic. Errors: unavailable.
  virtual Status deadLetter(std::string_view cluster, std::string_view body, std::string_view reason,
                            std::size_t rejectedEvents) = 0;
};

}  // namespace auditstream
