// OffsetTracker: which offsets may be committed. A message's offset is "done" only when all its effects
// are (alerts acknowledged by the durable sinks, signals applied); effects finish out of order, so per
// partition the committable offset is one past the highest offset below which everything is done
// (ARCHITECTURE.md: an offset advances only after its effects are acknowledged; STYLE.md #9).
//
// Owned by the consumer thread; done() may arrive from sink threads through that thread (not locked).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace auditstream {

class PartitionOffsets {
 public:
  // A message was handed to the pipeline. Offsets arrive in increasing order (a partition's order).
  void started(std::int64_t offset);
  // Its effects are done. Unknown offsets (already committed, or after a revoke) are ignored.
  void done(std::int64_t offset) { notDone_.erase(offset); }
  // The offset to commit (next to consume) if it moved since the last call to committed().
  std::optional<std::int64_t> committable() const;
  void committed(std::int64_t offset) { lastCommitted_ = offset; }
  std::size_t inFlight() const { return notDone_.size(); }

 private:
  // Only the offsets still waiting (memory follows what is held back — e.g. events of open correlation
  // windows — not how far the partition moved since).
  std::set<std::int64_t> notDone_;
  std::optional<std::int64_t> firstStarted_;
  std::optional<std::int64_t> lastStarted_;
  std::optional<std::int64_t> lastCommitted_;
};

class OffsetTracker {
 public:
  // The service's number for a topic-partition (PartitionSlot::index): no string on the per-message path.
  using Key = std::uint32_t;

  void started(Key partition, std::int64_t offset) { partitions_[partition].started(offset); }
  void done(Key partition, std::int64_t offset);
  // Forgets a partition (revoked: its new owner resumes from the last commit).
  void revoke(Key partition) { partitions_.erase(partition); }
  // Every partition whose committable offset moved: (partition, offset to commit).
  std::vector<std::pair<Key, std::int64_t>> committable() const;
  void committed(Key partition, std::int64_t offset);
  std::size_t inFlight() const;

 private:
  std::map<Key, PartitionOffsets> partitions_;
};

}  // namespace auditstream
