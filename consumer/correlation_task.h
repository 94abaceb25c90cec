// CorrelationTask: stage 2 for one signals partition (ARCHITECTURE.md, Data flow). It reads the
// partition's records in order — signals and sources' progress — into a CorrelationEngine on a
// CorrelationThread of its own, numbering the sources as they come (each has a watermark clock; its
// rank, a stable hash of its name, orders ties of event time the same way on every member).
//
// - A signal whose (source offset, index) is not past the last one taken from its source is a copy
//   that a source's new owner wrote again after a rebalance: dropped, so counts are not inflated.
// - Rebuild: on assignment the partition is read from a bound before its committed offset (the longest
//   window); records before the committed offset rebuild the windows only — what fires from them was
//   already routed and acknowledged by the previous owner, so it is dropped (counted), and their
//   offsets are never committed again.
// - A tracked signal's message is done once the engine has applied it (appliedThrough ≥ its time) and
//   what fired up to then is acknowledged (the pipeline's CorrelationCommitGate).
// - With a state changelog (TaskState) instead: the task restores its windows from the changelog's last
//   checkpoint (TaskSnapshot) and reads on from the checkpoint's offset — of the records before it, only
//   the signals the checkpoint still buffered (its pendingOrigins) are taken again. Every checkpoint()
//   covers the records taken so far: their messages are done once it is in the changelog, after every
//   alert that fired before it was acknowledged (the pipeline writes it then).
//
// Every method is for the pipeline's polling thread.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "common/log.h"
#include "consumer/correlation_thread.h"
#include "consumer/message_effects.h"
#include "consumer/task_state.h"
#include "engine/signal_record.h"

namespace auditstream {

// A checkpoint to write to the changelog: the task's meta, the keys that changed, and the messages it covers.
struct TaskCheckpoint {
  TaskMeta meta;
  std::vector<std::pair<std::string, std::string>> gone;  // (correlation id, key) dropped by a reload: deleted first
  std::vector<KeyChange> keys;
  std::vector<std::shared_ptr<MessageEffects>> covered;
};

struct TaskCounters {
  std::uint64_t records = 0;         // signal and progress records read, rebuild included
  std::uint64_t signals = 0;         // signals handed to the engine
  std::uint64_t copies = 0;          // signals written again by a source's new owner: dropped
  std::uint64_t badRecords = 0;      // bytes that are not a record (or name a correlation not loaded)
  std::uint64_t rebuildRecords = 0;  // read before the committed offset
  std::uint64_t rebuildAlerts = 0;   // fired while rebuilding: already routed by the previous owner
  std::uint64_t rereadRecords = 0;   // read again on restore for the checkpoint's buffered signals
  std::uint64_t restoredKeys = 0;    // key states restored from the changelog
  std::uint64_t droppedKeys = 0;     // restored keys of correlations changed or removed since: dropped
  std::uint64_t checkpoints = 0;     // taken
  std::size_t sources = 0;
};
void addCounts(TaskCounters& sum, const TaskCounters& more);

class CorrelationTask {
 public:
  // `rebuildUntil`: the committed offset (records before it only rebuild windows), or with `restored`,
  // the checkpoint's offset (of the records before it, only its buffered signals are taken again).
  // `changelog`: the task checkpoints (options.trackChanges) and its messages wait for checkpoints.
  CorrelationTask(std::shared_ptr<const SignalCodec> codec, const CorrelationOptions& options,
                  std::int64_t rebuildUntil, Logger log, bool changelog = false,
                  std::optional<TaskSnapshot> restored = std::nullopt);

  bool tracks(std::int64_t offset) const { return offset >= rebuildUntil_; }
  // Takes the record at `offset`. For a tracked signal returns the event time its message waits for
  // (the engine applying it); nothing for progress, copies and bad records. Ends the rebuild after the
  // last record before the committed offset (or at the first tracked one).
  std::optional<std::int64_t> take(std::int64_t offset, std::string_view bytes);
  // Messages waiting for the engine; what fired and the time through which signals are applied.
  void await(std::int64_t doneAt, std::shared_ptr<MessageEffects> effects);
  // changelog: a checkpoint of everything taken so far (comes back in a Round).
  void checkpoint();
  struct Round {
    std::vector<Alert> alerts;
    std::vector<std::shared_ptr<MessageEffects>> released;
    std::vector<TaskCheckpoint> checkpoints;  // to write once every alert of this and earlier rounds is acknowledged
  };
  Round takeFired();
  Round takeFiredAfterCatchingUp(std::chrono::milliseconds bound);
  // The end of the input: the engine finishes (every window closes, what can fire fires) and a new one starts.
  Round finishAndReplace(std::shared_ptr<const SignalCodec> codec);
  // New correlations (a reload): the windows of unchanged correlations carry over, open; the state of
  // changed or removed ones is dropped (logged, counted, and deleted from the changelog).
  Round replaceCorrelations(std::shared_ptr<const SignalCodec> codec);

  std::size_t awaiting() const { return awaiting_.size(); }
  std::int64_t nextOffset() const { return nextOffset_; }  // after the last record taken
  std::int64_t watermark() const { return appliedThrough_; }
  TaskCounters counters() const;
  // Since the task started (engines replaced by reloads included).
  CorrelationCounters engineCounters() const;
  std::string problem() const { return thread_->problem(); }

 private:
  struct Waiting {
    std::int64_t doneAt;
    std::shared_ptr<MessageEffects> effects;
  };
  struct Source {
    std::uint32_t index = 0;
    std::uint64_t rank = 0;
    std::int64_t lastOffset = -1;
    std::uint32_t lastIndex = 0;
  };

  struct Requested {
    std::uint64_t id;
    TaskMeta meta;  // clocks filled in when the engine's checkpoint comes back
    std::vector<std::pair<std::string, std::string>> gone;
    std::vector<std::shared_ptr<MessageEffects>> covered;
  };

  Source& sourceOf(const SignalSource& name);
  static std::uint64_t rankOf(const SignalSource& name);
  // Hands a signal taken from `source` (at signals `offset`) to the engine.
  void feed(const Source& source, std::int64_t offset, Signal signal);
  std::unique_ptr<CorrelationEngine> restore(TaskSnapshot snapshot);
  std::optional<std::int64_t> takeSignal(std::int64_t offset, SignalRecord record);
  void endRebuild();
  Round release(CorrelationThread::Fired fired);
  std::unique_ptr<CorrelationThread> makeThread() const;

  std::shared_ptr<const SignalCodec> codec_;
  CorrelationOptions options_;
  std::int64_t rebuildUntil_;
  bool rebuilding_;
  Logger log_;
  bool changelog_;
  std::vector<std::int64_t> restoring_;  // the checkpoint's buffered signals still to take again (ascending)
  std::uint64_t checkpoints_ = 0;
  std::int64_t checkpointedOffset_ = -1;  // nextOffset_ at the last checkpoint
  bool routedSinceCheckpoint_ = false;    // alerts went out since the last checkpoint was requested
  std::int64_t lastTaken_ = -1;           // the highest offset taken
  std::vector<std::shared_ptr<MessageEffects>> uncovered_;
  std::vector<std::pair<std::string, std::string>>
      gone_;  // for the next checkpoint  // changelog: taken since the last checkpoint
  std::deque<Requested> requested_;
  std::map<SignalSource, Source> sources_;
  std::uint32_t nextSourceIndex_ = 0;
  std::vector<Waiting> awaiting_;  // in offset order
  std::int64_t appliedThrough_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t nextOffset_ = 0;
  TaskCounters counters_;
  CorrelationCounters finishedEngines_;  // the counts of engines a reload replaced
  std::unique_ptr<CorrelationThread> thread_;
};

}  // namespace auditstream
