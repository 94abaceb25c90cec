// MessageEffects: what a consumed message still waits for before its offset may be committed — its
// alerts' acknowledgements from the durable sinks, its dead letters, its signals being applied by the
// correlation engine — plus one hold for the consumer thread while it is still handing effects out.
// The last settle() reports the offset to DoneOffsets, which the consumer thread drains into the
// OffsetTracker (ARCHITECTURE.md: an offset advances only after its effects are acknowledged).
//
// settle() may run on any thread (sink, dead-letter and consumer threads); DoneOffsets locks once per
// finished message that had effects (messages without any are marked done directly).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace auditstream {

class DoneOffsets {
 public:
  // `epoch`: the one current when the message's effects were created; a message of an earlier epoch (its
  // outputs went with an aborted transaction, and it is read again) is not reported.
  void push(std::uint32_t slot, std::int64_t offset, std::uint64_t epoch) {
    std::lock_guard lock(mutex_);
    if (epoch == epoch_.load(std::memory_order_relaxed)) done_.emplace_back(slot, offset);
  }
  std::uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  // Everything not yet taken, and every settle still to come of messages created so far, is forgotten.
  void newEpoch() {
    std::lock_guard lock(mutex_);
    epoch_.fetch_add(1, std::memory_order_acq_rel);
    done_.clear();
  }
  std::vector<std::pair<std::uint32_t, std::int64_t>> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(done_, {});
  }

 private:
  std::mutex mutex_;
  std::atomic<std::uint64_t> epoch_{0};                       // written under mutex_
  std::vector<std::pair<std::uint32_t, std::int64_t>> done_;  // partition slot, offset
};

class MessageEffects {
 public:
  MessageEffects(std::uint32_t slot, std::int64_t offset, DoneOffsets& done)
      : slot_(slot), offset_(offset), epoch_(done.epoch()), done_(done) {}
  void hold() { remaining_.fetch_add(1, std::memory_order_relaxed); }
  void settle() {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) done_.push(slot_, offset_, epoch_);
  }

 private:
  std::atomic<int> remaining_{1};  // the consumer thread's own hold
  std::uint32_t slot_;
  std::int64_t offset_;
  std::uint64_t epoch_;
  DoneOffsets& done_;
};

}  // namespace auditstream
