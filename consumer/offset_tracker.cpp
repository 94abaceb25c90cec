#include "consumer/offset_tracker.h"

#include <algorithm>

namespace auditstream {

void PartitionOffsets::started(std::int64_t offset) { pending_.push_back({offset, false}); }

void PartitionOffsets::done(std::int64_t offset) {
  const auto found = std::lower_bound(pending_.begin(), pending_.end(), offset,
                                      [](const Entry& entry, std::int64_t value) { return entry.offset < value; });
  if (found == pending_.end() || found->offset != offset) return;
  found->done = true;
  while (!pending_.empty() && pending_.front().done) {
    doneUpTo_ = pending_.front().offset + 1;
    pending_.pop_front();
  }
}

std::optional<std::int64_t> PartitionOffsets::committable() const {
  if (!doneUpTo_ || (lastCommitted_ && *lastCommitted_ >= *doneUpTo_)) return std::nullopt;
  return doneUpTo_;
}

void OffsetTracker::done(const Key& partition, std::int64_t offset) {
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

void OffsetTracker::committed(const Key& partition, std::int64_t offset) {
  const auto found = partitions_.find(partition);
  if (found != partitions_.end()) found->second.committed(offset);
}

std::size_t OffsetTracker::inFlight() const {
  std::size_t total = 0;
  for (const auto& [key, offsets] : partitions_) total += offsets.inFlight();
  return total;
}

}  // namespace auditstream
