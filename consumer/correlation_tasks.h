// CorrelationTasks: the pipeline's stage 2 with the signals topic — a CorrelationTask per assigned signals
// partition, what they fire routed through the pipeline's AlertDispatch behind its CorrelationCommitGate,
// and their checkpoints written to the state changelog in the order taken, each once every alert that
// fired before it is acknowledged (ARCHITECTURE.md, Correlations across members). Owned by the Pipeline;
// every method is for its polling thread.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "common/log.h"
#include "consumer/alert_dispatch.h"
#include "consumer/correlation_commit_gate.h"
#include "consumer/correlation_task.h"
#include "consumer/source.h"
#include "consumer/state_changelog.h"

namespace auditstream {

struct TaskTotals {
  CorrelationCounters correlations;
  TaskCounters tasks;
  std::size_t owned = 0;
  std::map<std::int32_t, std::int64_t> watermarks;  // signals partition → applied-through event time
  std::map<std::int32_t, std::size_t> liveKeys;     // signals partition → live correlation keys
};

class CorrelationTasks {
 public:
  // `changelog` null: tasks rebuild from the signals topic instead of checkpointing.
  CorrelationTasks(std::shared_ptr<const SignalCodec> codec, const CorrelationOptions& options,
                   StateChangelog* changelog, CorrelationCommitGate& gate, AlertDispatch& dispatch, Logger log);

  bool checkpointing() const { return changelog_ != nullptr; }
  // The task of a signals stream, made on first use (with the state `source` restored for it, if any).
  CorrelationTask& taskFor(const StreamName& stream, Source& source);
  // A task that goes (revoked, or assigned anew): its counts stay in the totals.
  void retire(std::uint32_t stream);
  // What every task fired (after catching up, bounded, when `catchUp`), routed.
  void route(bool catchUp);
  void checkpoint();
  // The checkpoints whose alerts were acknowledged, in order, to the changelog.
  void writeCleared();
  // End of input: every task's windows close and what fires is routed.
  void finishAll();
  // New rules: unchanged correlations keep their windows (CorrelationTask::replaceCorrelations).
  void replaceCorrelations(std::shared_ptr<const SignalCodec> codec);
  // How far each task has read (for draining to the end at stop), by stream index.
  std::map<std::uint32_t, std::int64_t> nextOffsets() const;
  std::size_t awaiting() const;
  TaskTotals totals() const;
  std::string problems() const;

 private:
  struct Owned {
    std::int32_t partition;
    std::unique_ptr<CorrelationTask> task;
  };
  // A checkpoint waiting for its gate round (the alerts that fired before it) to clear.
  struct Clearing {
    std::int32_t partition;
    TaskCheckpoint checkpoint;
    std::shared_ptr<const CorrelationSet> correlations;  // that its keys' correlation numbers refer to
    std::shared_ptr<std::atomic<bool>> cleared;
  };
  void routeRound(const Owned& owned, CorrelationTask::Round round);

  std::shared_ptr<const SignalCodec> codec_;
  CorrelationOptions options_;
  StateChangelog* changelog_;
  CorrelationCommitGate& gate_;
  AlertDispatch& dispatch_;
  Logger log_;
  std::map<std::uint32_t, Owned> tasks_;  // by signals stream index
  std::deque<Clearing> clearing_;         // in the order taken
  CorrelationCounters retiredEngines_;    // the counts of tasks that went
  TaskCounters retiredTasks_;
};

}  // namespace auditstream
