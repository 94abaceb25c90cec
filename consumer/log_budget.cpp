#include "consumer/log_budget.h"

namespace auditstream {

bool LogBudget::allow(std::uint64_t& leftOut) {
  leftOut = 0;
  const Clock::MonotonicTime now = clock_.monotonicNow();
  if (!started_ || now - windowStart_ >= window_) {
    started_ = true;
    windowStart_ = now;
    used_ = 0;
  }
  if (used_ >= linesPerWindow_) {
    ++leftOut_;
    return false;
  }
  ++used_;
  leftOut = leftOut_;
  leftOut_ = 0;
  return true;
}

}  // namespace auditstream
