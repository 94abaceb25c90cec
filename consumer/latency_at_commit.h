// LatencyAtCommit: detection latency under delivery: exactly_once. An alert is visible to a consumer of
// the alerts topic (isolation.level=read_committed) only once its transaction commits, so its latency
// is measured to that commit, not to the broker's acknowledgement: the acknowledged alerts wait here
// and are reported with the time since their acknowledgement added when the transaction commits; an
// aborted transaction's are dropped (they are read again and counted then).
//
// acknowledged() runs on the sinks' threads; committed() and aborted() on the committing thread.
#pragma once

#include <chrono>
#include <mutex>
#include <utility>
#include <vector>

namespace auditstream {

class LatencyAtCommit {
 public:
  using Clock = std::chrono::steady_clock;

  void acknowledged(double secondsSinceEvent) {
    std::lock_guard lock(mutex_);
    waiting_.emplace_back(secondsSinceEvent, Clock::now());
  }
  // Each waiting alert's latency as of `now` (its transaction committed).
  std::vector<double> committed(Clock::time_point now = Clock::now()) {
    std::vector<std::pair<double, Clock::time_point>> waiting;
    {
      std::lock_guard lock(mutex_);
      waiting.swap(waiting_);
    }
    std::vector<double> latencies;
    latencies.reserve(waiting.size());
    for (const auto& [seconds, at] : waiting)
      latencies.push_back(seconds + std::chrono::duration<double>(now - at).count());
    return latencies;
  }
  void aborted() {
    std::lock_guard lock(mutex_);
    waiting_.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<double, Clock::time_point>> waiting_;
};

}  // namespace auditstream
