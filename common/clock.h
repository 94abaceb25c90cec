// Clock: the one way code reads the time (STYLE.md #11). Flush, commit, retry and idle timers use
// monotonicNow(); timestamps a person reads (logs, alert endsAt) use wallNow(). Event-time windows use
// neither: they run on the events' own timestamps.
//
// Production code takes a `const Clock&` owned by the composition root (SystemClock); tests pass a
// ManualClock (common/manual_clock.h) and advance it by hand, so no test sleeps to let time pass.
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <chrono>

namespace auditstream {

class Clock {
 public:
  using MonotonicTime = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;

  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  virtual ~Clock() = default;

  virtual MonotonicTime monotonicNow() const = 0;
  virtual WallTime wallNow() const = 0;
};

// The real clocks of the machine.
class SystemClock final : public Clock {
 public:
  MonotonicTime monotonicNow() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
};

}  // namespace auditstream
