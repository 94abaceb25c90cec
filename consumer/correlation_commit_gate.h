// CorrelationCommitGate: a message that fed correlation windows is done only when (1) every window it
// joined has closed — the engine has applied signals past its time plus the window — and (2) every
// alert those windows fired has been acknowledged by the durable sinks. The engine reports what fired
// in rounds (CorrelationThread::takeFired: alerts plus the applied-through time that covers them); a
// message released in round n can only have contributed to alerts of rounds ≤ n, so it settles once
// every alert of rounds ≤ n is acknowledged. Rounds complete in order; a round with no alerts completes
// as soon as the rounds before it have.
//
// open() and release() are for the pipeline's routing thread; acknowledge() may run on any thread (the
// sinks'). Settling happens outside the lock.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "consumer/message_effects.h"

namespace auditstream {

class CorrelationCommitGate {
 public:
  using Round = std::uint64_t;

  // A new round whose `alerts` alerts will each be acknowledged once. Call release() for it next.
  Round open(std::size_t alerts);
  // The messages done with the engine as of this round: they settle when it and every earlier round
  // have been acknowledged. `then` runs at that moment too, in order (a state checkpoint's write, which
  // must not reach the changelog before the alerts that fired ahead of it are acknowledged).
  void release(Round round, std::vector<std::shared_ptr<MessageEffects>> messages,
               std::vector<std::function<void()>> then = {});
  // One alert of `round` was acknowledged (or rejected for good).
  void acknowledge(Round round);
  // Drops every open round without settling anything (an aborted transaction: what they hold is read
  // again); a late acknowledgement of one is ignored.
  void forgetAll();
  // Rounds not yet complete (for tests and metrics).
  std::size_t openRounds() const;

 private:
  struct Pending {
    std::size_t unacknowledged = 0;
    bool released = false;
    std::vector<std::shared_ptr<MessageEffects>> messages;
    std::vector<std::function<void()>> then;
  };
  struct Complete {
    std::vector<std::shared_ptr<MessageEffects>> messages;
    std::vector<std::function<void()>> then;
  };
  // Pops the complete rounds at the front; returns what they release (to run outside the lock).
  Complete popCompleteLocked();
  void settleCompleted(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  std::deque<Pending> rounds_;  // rounds_[0] is round first_
  Round first_ = 0;
};

}  // namespace auditstream
