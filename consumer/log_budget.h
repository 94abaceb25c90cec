// LogBudget: at most `linesPerWindow` log lines per `window` of monotonic time; lines beyond it are only
// counted, and the next line allowed says how many were left out. Keeps a flood of poison messages from
// filling stderr (every rejection is still counted in auditstream_rejected_total and dead-lettered).
// One per thread that logs (not locked).
#pragma once

#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace auditstream {

class LogBudget {
 public:
  LogBudget(const Clock& clock, std::uint32_t linesPerWindow, std::chrono::nanoseconds window)
      : clock_(clock), linesPerWindow_(linesPerWindow), window_(window) {}

  // Whether a line may be written now. When it may and lines were left out since the last allowed one,
  // `leftOut` receives their number (else 0).
  bool allow(std::uint64_t& leftOut);

 private:
  const Clock& clock_;
  std::uint32_t linesPerWindow_;
  std::chrono::nanoseconds window_;
  Clock::MonotonicTime windowStart_{};
  std::uint32_t used_ = 0;
  std::uint64_t leftOut_ = 0;
  bool started_ = false;
};

}  // namespace auditstream
