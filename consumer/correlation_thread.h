// CorrelationThread: the service's CorrelationEngine on a thread of its own. The consumer thread hands
// it each message's partition clock and signals (in the partitions' order, batched: one lock per batch,
// never per signal) and takes back what fired; applying signals, which was the largest share of the
// consumer thread's work, runs beside it. The engine's behaviour is unchanged: the same signals reach it
// in the same order, and it advances its watermark after every batch.
//
// A message is committed only once the signals it fed were applied and the alerts that fired from them
// were routed (Service::routeCorrelationAlerts): takeFired() returns the alerts together with the
// applied-through time that covers them, so the two can never be read out of step.
//
// Every method is for the consumer thread; the engine itself is touched only by the worker thread
// until finish(), which joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "engine/correlation_engine.h"

namespace auditstream {

class CorrelationThread {
 public:
  explicit CorrelationThread(std::unique_ptr<CorrelationEngine> engine, Logger log = {});
  ~CorrelationThread();  // stops without finishing (open windows stay open: their messages stay uncommitted)
  CorrelationThread(const CorrelationThread&) = delete;
  CorrelationThread& operator=(const CorrelationThread&) = delete;

  void observe(std::uint32_t partition, EventTime time);
  // The partition's owner says it is quiet (CorrelationEngine::markIdle), as of the batch's end.
  void markIdle(std::uint32_t partition, EventTime latest);
  // CorrelationEngine::observeStart.
  void observeStart(EventTime time);
  void add(Signal signal);
  // A checkpoint of the engine (CorrelationEngine::takeChanges) once everything handed over so far has
  // been added; it comes back from takeFired() after every alert that fired before it.
  void checkpoint(std::uint64_t id);

  // What fired since the last call, and the event time through which signals have been applied (every
  // alert of those signals is in this or an earlier result). Hands over the current batch first.
  struct Fired {
    std::vector<Alert> alerts;
    std::int64_t appliedThrough = 0;
    std::vector<std::pair<std::uint64_t, EngineCheckpoint>> checkpoints;  // (id, checkpoint), in order
  };
  Fired takeFired();
  // Like takeFired(), after the thread has applied everything handed over so far (bounded wait).
  Fired takeFiredAfterCatchingUp(std::chrono::milliseconds bound);
  // Applies everything handed over, closes every window (end of input), stops the thread.
  Fired finish();
  // Applies everything handed over and stops the thread, closing no window: the engine goes to the
  // caller (a reload carries its state over to the new rules).
  std::pair<Fired, std::unique_ptr<CorrelationEngine>> stop();
  CorrelationCounters counters() const;
  // Empty while the thread runs and makes progress; else why not (it died, or one round takes minutes).
  std::string problem() const;

 private:
  struct Batch {
    std::vector<std::int64_t> clocks;  // per partition: the latest event time seen (kNoClock: none)
    std::vector<bool> idle;            // per partition: marked idle after its last observe()
    std::vector<bool> seen;            // per partition: observed in this batch (with or without a clock)
    std::int64_t start = kNoStart;     // the earliest observeStart() (kNoStart: none)
    std::vector<Signal> signals;
    std::optional<std::uint64_t> checkpoint;  // after this batch
  };
  static constexpr std::int64_t kNoClock = std::numeric_limits<std::int64_t>::min();
  static constexpr std::int64_t kNoStart = std::numeric_limits<std::int64_t>::max();
  static constexpr std::size_t kBatchSignals = 2048;
  static constexpr std::size_t kMaxQueuedBatches = 64;  // then add() waits: back-pressure, not memory

  void handOver();
  // Hands over the batch, waits until the thread has applied everything, stops and joins it.
  void applyAllAndJoin();
  void run();
  void applyBatches();
  void publish(std::vector<Alert> fired);  // under mutex_

  std::unique_ptr<CorrelationEngine> engine_;
  Batch batch_;  // being filled by the consumer thread

  mutable std::mutex mutex_;
  std::condition_variable wake_;      // batches queued, or stopping
  std::condition_variable caughtUp_;  // the queue ran empty
  std::deque<Batch> queue_;
  bool stopping_ = false;
  bool idle_ = true;  // the thread has applied everything queued
  std::vector<Alert> fired_;
  std::vector<std::pair<std::uint64_t, EngineCheckpoint>> checkpoints_;
  std::int64_t appliedThrough_ = 0;
  CorrelationCounters counters_;
  std::string death_;                                  // why the thread ended early; empty while it runs
  std::chrono::steady_clock::time_point busySince_{};  // when the round being applied started
  Logger log_;
  std::thread thread_;  // last
};

}  // namespace auditstream
