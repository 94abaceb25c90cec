#include "consumer/partition_slots.h"

namespace auditstream {

const PartitionSlot& PartitionSlots::of(const rd_kafka_message_t& message) {
  if (last_ != nullptr && lastTopic_ == message.rkt && last_->partition == message.partition) return *last_;
  const PartitionKey key{rd_kafka_topic_name(message.rkt), message.partition};
  auto found = index_.find(key);
  if (found == index_.end()) {
    const auto index = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back({key.first, key.second, index});
    found = index_.emplace(key, index).first;
  }
  lastTopic_ = message.rkt;
  last_ = &slots_[found->second];
  return *last_;
}

std::optional<std::uint32_t> PartitionSlots::find(const PartitionKey& key) const {
  const auto found = index_.find(key);
  if (found == index_.end()) return std::nullopt;
  return found->second;
}

}  // namespace auditstream
