// OffsetTracker: which offsets may be committed. A message's offset is "done" only when all its effects
// are (alerts acknowledged by the durable sinks, dead letters delivered, signals applied); effects finish
// out of order, so per partition the committable offset is one past the highest offset below which
// everything is done (ARCHITECTURE.md: an offset advances only after its effects are acknowledged;
// STYLE.md #9).
//
// A message is started when polled and applied when its outcome comes back from its worker — in the
// partition's order, so the messages still at the workers are a count, not a set. Only messages
// applied with effects still pending are held individually (memory follows what is held back, e.g.
// events of open correlation windows, not how far the partition moved) — most messages have no effect
// and cost no allocation here.
//
// Owned by the consumer thread; done() may arrive from sink threads through that thread (not locked).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace auditstream {

class PartitionOffsets {
 public:
  // A message was handed to the pipeline. Offsets arrive in increasing order (a partition's order).
  void started(std::int64_t offset);
  // Its outcome came back (in the partition's order); `held`: effects are pending until done().
  void applied(std::int64_t offset, bool held);
  // Its pending effects are done. Unknown offsets (already committed, or after a revoke) are ignored.
  void done(std::int64_t offset);
  // The offset to commit (next to consume) if it moved since the last call to committed().
  std::optional<std::int64_t> committable() const;
  void committed(std::int64_t offset) { lastCommitted_ = offset; }
  std::size_t inFlight() const { return held_.size() + atWorkers_; }
  bool active() const { return firstStarted_.has_value(); }

 private:
  std::set<std::int64_t> held_;       // applied, effects pending
  std::set<std::int64_t> doneEarly_;  // done() before applied(): a dead letter delivered very fast
  std::size_t atWorkers_ = 0;         // started, not yet applied
  std::optional<std::int64_t> firstStarted_;
  std::optional<std::int64_t> lastStarted_;
  std::optional<std::int64_t> appliedThrough_;
  std::optional<std::int64_t> lastCommitted_;
};

class OffsetTracker {
 public:
  // The service's number for a topic-partition (StreamName::index, dense from 0): no string and no
  // map lookup on the per-message path.
  using Key = std::uint32_t;

  void started(Key partition, std::int64_t offset) { at(partition).started(offset); }
  void applied(Key partition, std::int64_t offset, bool held) { at(partition).applied(offset, held); }
  void done(Key partition, std::int64_t offset);
  // Forgets a partition (revoked: its new owner resumes from the last commit).
  void revoke(Key partition);
  // Every partition whose committable offset moved: (partition, offset to commit).
  std::vector<std::pair<Key, std::int64_t>> committable() const;
  void committed(Key partition, std::int64_t offset);
  std::size_t inFlight() const;

 private:
  PartitionOffsets& at(Key partition) {
    if (partition >= partitions_.size()) partitions_.resize(partition + 1);
    return partitions_[partition];
  }

  std::vector<PartitionOffsets> partitions_;
};

}  // namespace auditstream
