#include "consumer/correlation_commit_gate.h"

namespace auditstream {

CorrelationCommitGate::Round CorrelationCommitGate::open(std::size_t alerts) {
  std::lock_guard lock(mutex_);
  rounds_.push_back({alerts, false, {}, {}});
  return first_ + rounds_.size() - 1;
}

void CorrelationCommitGate::release(Round round, std::vector<std::shared_ptr<MessageEffects>> messages,
                                    std::vector<std::function<void()>> then) {
  std::unique_lock lock(mutex_);
  Pending& pending = rounds_.at(round - first_);
  pending.messages = std::move(messages);
  pending.then = std::move(then);
  pending.released = true;
  settleCompleted(lock);
}

void CorrelationCommitGate::acknowledge(Round round) {
  std::unique_lock lock(mutex_);
  if (round < first_) return;  // a round dropped by forgetAll()
  --rounds_.at(round - first_).unacknowledged;
  settleCompleted(lock);
}

void CorrelationCommitGate::forgetAll() {
  std::deque<Pending> dropped;
  std::lock_guard lock(mutex_);
  first_ += rounds_.size();
  dropped.swap(rounds_);
}

std::size_t CorrelationCommitGate::openRounds() const {
  std::lock_guard lock(mutex_);
  return rounds_.size();
}

CorrelationCommitGate::Complete CorrelationCommitGate::popCompleteLocked() {
  Complete complete;
  while (!rounds_.empty() && rounds_.front().released && rounds_.front().unacknowledged == 0) {
    for (auto& message : rounds_.front().messages) complete.messages.push_back(std::move(message));
    for (auto& then : rounds_.front().then) complete.then.push_back(std::move(then));
    rounds_.pop_front();
    ++first_;
  }
  return complete;
}

void CorrelationCommitGate::settleCompleted(std::unique_lock<std::mutex>& lock) {
  Complete complete = popCompleteLocked();
  lock.unlock();
  for (const auto& message : complete.messages) message->settle();
  for (const auto& then : complete.then) then();
}

}  // namespace auditstream
