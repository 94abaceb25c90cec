#include "consumer/offset_tracker.h"

#include <algorithm>

namespace auditstream {

void PartitionOffsets::started(std::int64_t offset) {
  notDone_.insert(notDone_.end(), offset);
  if (!firstStarted_) firstStarted_ = offset;
  lastStarted_ = offset;
}

std::optional<std::int64_t> PartitionOffsets::committable() const {
  if (!lastStarted_) return std::nullopt;
  const std::int64_t next = notDone_.empty() ? *lastStarted_ + 1 : *notDone_.begin();
  if (next <= *firstStarted_ || (lastCommitted_ && *lastCommitted_ >= next)) return std::nullopt;  // nothing new done
  return next;
}

void OffsetTracker::done(Key partition, std::int64_t offset) {
  const auto found = partitions_.find(partition);
  if (found != partitions_.end()) found->second.done(offset);
}

std::vector<std::pair<OffsetTracker::Key, std::int64_t>> OffsetTracker::committable() const {
  std::vector<std::pair<Key, std::int64_t>> out;
  for (const auto& [key, offsets] : partitions_) {
    if (const auto offset = offsets.committable()) out.emplace_back(key, *offset);
  }
  return out;
}

void OffsetTracker::committed(Key partition, std::int64_t offset) {
  const auto found = partitions_.find(partition);
  if (found != partitions_.end()) found->second.committed(offset);
}

std::size_t OffsetTracker::inFlight() const {
  std::size_t total = 0;
  for (const auto& [key, offsets] : partitions_) total += offsets.inFlight();
  return total;
}

}  // namespace auditstream
