#include "consumer/offset_tracker.h"

namespace auditstream {

void PartitionOffsets::started(std::int64_t offset) {
  if (!firstStarted_) firstStarted_ = offset;
  lastStarted_ = offset;
  ++atWorkers_;
}

void PartitionOffsets::applied(std::int64_t offset, bool held) {
  if (!firstStarted_) return;  // not started here (revoked since): its new owner reads it again
  if (atWorkers_ > 0) --atWorkers_;
  appliedThrough_ = offset;
  const bool alreadyDone = !doneEarly_.empty() && doneEarly_.erase(offset) > 0;
  if (held && !alreadyDone) held_.insert(held_.end(), offset);
}

void PartitionOffsets::done(std::int64_t offset) {
  if (held_.erase(offset) > 0) return;
  const bool atAWorker = lastStarted_ && offset <= *lastStarted_ && (!appliedThrough_ || offset > *appliedThrough_);
  if (atAWorker) doneEarly_.insert(offset);
}

std::optional<std::int64_t> PartitionOffsets::committable() const {
  if (!appliedThrough_ || !firstStarted_) return std::nullopt;
  const std::int64_t next = held_.empty() ? *appliedThrough_ + 1 : *held_.begin();
  if (next <= *firstStarted_ || (lastCommitted_ && *lastCommitted_ >= next)) return std::nullopt;  // nothing new done
  return next;
}

void OffsetTracker::done(Key partition, std::int64_t offset) {
  if (partition < partitions_.size()) partitions_[partition].done(offset);
}

void OffsetTracker::revoke(Key partition) {
  if (partition < partitions_.size()) partitions_[partition] = PartitionOffsets{};
}

std::vector<std::pair<OffsetTracker::Key, std::int64_t>> OffsetTracker::committable() const {
  std::vector<std::pair<Key, std::int64_t>> out;
  for (Key key = 0; key < partitions_.size(); ++key) {
    if (const auto offset = partitions_[key].committable()) out.emplace_back(key, *offset);
  }
  return out;
}

void OffsetTracker::committed(Key partition, std::int64_t offset) {
  if (partition < partitions_.size()) partitions_[partition].committed(offset);
}

std::size_t OffsetTracker::inFlight() const {
  std::size_t total = 0;
  for (const PartitionOffsets& offsets : partitions_) total += offsets.inFlight();
  return total;
}

}  // namespace auditstream
