// PartitionSlots: the service's numbering of the topic-partitions it has seen. A slot never moves (workers
// hold pointers to it) and its index keys offsets, correlation clocks and worker ownership, so the
// per-message path carries no topic string. Messages come in runs from one partition: the last slot
// found answers most lookups without building a key.
//
// Owned by the consumer thread.
#pragma once

#include <cstdint>
#include <deque>
#include <librdkafka/rdkafka.h>
#include <map>
#include <optional>
#include <string>

#include "consumer/consumer_lag.h"

namespace auditstream {

// A topic-partition as the service numbers it (for correlation clocks and offsets); never moves.
struct PartitionSlot {
  std::string topic;
  std::int32_t partition = 0;
  std::uint32_t index = 0;
};

class PartitionSlots {
 public:
  // The slot of a consumed message's partition, numbered on first sight.
  const PartitionSlot& of(const rd_kafka_message_t& message);
  std::optional<std::uint32_t> find(const PartitionKey& key) const;
  const PartitionSlot& at(std::uint32_t index) const { return slots_[index]; }
  // After a rebalance: topic handles may have gone with the partitions.
  void forgetLastLookup() { last_ = nullptr; }

 private:
  std::deque<PartitionSlot> slots_;  // never moves
  std::map<PartitionKey, std::uint32_t> index_;
  const rd_kafka_topic_t* lastTopic_ = nullptr;
  const PartitionSlot* last_ = nullptr;
};

}  // namespace auditstream
