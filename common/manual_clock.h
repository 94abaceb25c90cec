// ManualClock: a Clock that moves only when told to. Tests advance it to fire timers deterministically.
// Both readings advance together; the wall reading starts at a fixed, recognisable instant
// (2026-01-01T00:00:00Z) unless set. Thread-safety: reads and writes are atomic, so a test thread may
// advance it while workers read it.
#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.h"

namespace auditstream {

class ManualClock final : public Clock {
 public:
  static constexpr std::chrono::seconds kDefaultWallStart{1767225600};  // 2026-01-01T00:00:00Z

  ManualClock() = default;

  MonotonicTime monotonicNow() const override {
    return MonotonicTime(std::chrono::nanoseconds(elapsedNanos_.load(std::memory_order_acquire)));
  }
  WallTime wallNow() const override {
    return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(
        wallOffsetNanos_.load(std::memory_order_acquire) + elapsedNanos_.load(std::memory_order_acquire))));
  }

  // Moves both readings forward. Negative durations are a test bug and are ignored.
  void advance(std::chrono::nanoseconds by) {
    if (by.count() > 0) elapsedNanos_.fetch_add(by.count(), std::memory_order_acq_rel);
  }

  // Sets the wall reading to `now` from here on (monotonic time is unaffected, as on a real machine).
  void setWall(WallTime now) {
    const auto nowNanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    wallOffsetNanos_.store(nowNanos - elapsedNanos_.load(std::memory_order_acquire), std::memory_order_release);
  }

 private:
  std::atomic<std::int64_t> elapsedNanos_{0};
  std::atomic<std::int64_t> wallOffsetNanos_{std::chrono::nanoseconds(kDefaultWallStart).count()};
};

}  // namespace auditstream
