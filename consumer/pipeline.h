// Pipeline: one path for every input (ARCHITECTURE.md, Data flow and Threads). A Source delivers messages;
// the polling thread hands each stream's messages to the one PartitionWorker that owns it; workers decode,
// match, build alerts and route them (AlertDispatch → AlertRouter → sinks) in parallel; the polling
// thread feeds signals to the CorrelationThread in event time, routes what the correlations fired, and
// commits back to the source only the positions whose
// effects are done (OffsetTracker): alerts acknowledged by the durable sinks — stateless ones and the
// correlation alerts the message's signals fed (CorrelationCommitGate) — dead letters written, the
// correlation windows the message joined closed (max_commit_hold). A durable delivery never settles by
// failing: the sinks re-send without limit while consumption pauses. Back-pressure pauses the source
// while too many messages wait, or while a durable sink cannot deliver or is full — never a drop.
//
// `run` = Pipeline(KafkaSource, the configured sinks); `demo` = the same on the mock cluster with a
// console sink. Every method is for the polling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "config/service_config.h"
#include "consumer/alert_dispatch.h"
#include "consumer/correlation_commit_gate.h"
#include "consumer/correlation_task.h"
#include "consumer/correlation_tasks.h"
#include "consumer/correlation_thread.h"
#include "consumer/dead_letter_producer.h"
#include "consumer/message_effects.h"
#include "consumer/offset_tracker.h"
#include "consumer/partition_worker.h"
#include "consumer/pipeline_stage.h"
#include "consumer/signal_publisher.h"
#include "consumer/source.h"
#include "consumer/state_changelog.h"
#include "engine/correlation_set.h"
#include "engine/correlation_shards.h"
#include "engine/event_processor.h"
#include "sinks/alert_router.h"

namespace auditstream {

struct PipelineOptions {
  ClusterIdentity identity;
  PipelineStage stage = PipelineStage::kDetect;
  CorrelationOptions correlation;                // clock set: idle timeout in wall time
  std::chrono::nanoseconds maxCommitHold{0};     // correlation.max_commit_hold
  std::size_t queueMessages = 100'000;           // limits.queue_messages
  std::function<void(double)> deliveredLatency;  // event time → durable acknowledgement, seconds; optional
  Logger log;                                    // the pipeline's own records; workers log as "worker"
  bool logFlow = true;  // log pauses, resumes, assignments and revokes (replay: no, they are its routine)
  // A finite input whose result must not depend on timing or the worker count (`replay`): outcomes are
  // applied in the order the source gave the messages, and correlations run sharded by group key over
  // `correlationShards` threads on fixed runs of messages (CorrelationShards), in event time without the
  // wall-clock idle timeout; stop() closes every window.
  bool inputOrder = false;
  std::size_t correlationShards = 1;
  // Correlations across members (correlation.signals: topic): signals go to the signals topic through
  // this publisher, and each assigned signals partition runs a CorrelationTask. Null: in process.
  SignalPublisher* signalPublisher = nullptr;
  // The input ends for good at stop() (the demo): every window closes and what can fire fires — with
  // the signals topic, once each owned task has read its partition to the end (bounded).
  bool closeWindowsAtStop = false;
  // Correlation tasks checkpoint their windows to this changelog every `checkpointEvery`; their signals
  // offsets commit with the checkpoints. Null: tasks rebuild their windows from the signals topic.
  StateChangelog* changelog = nullptr;
  std::chrono::milliseconds checkpointEvery{1000};
  // delivery: exactly_once (pipeline_transactions.cpp). Every `transactionInterval` the pipeline stops
  // handing out input, lets every effect of what it took reach the broker — stateless alerts, signals,
  // the tasks' checkpoints and what they fired — and has the source commit it all with the offsets in
  // one transaction; an aborted one rewinds the source. `flushOutputs` flushes the transactional
  // producer (linger ignored). Needs the signals topic and the changelog.
  bool exactlyOnce = false;
  std::chrono::milliseconds transactionInterval{100};
  std::function<bool(std::chrono::milliseconds)> flushOutputs;
};

// Counts since the pipeline started, for metrics and the progress line.
struct PipelineTotals {
  ProcessCounters processing;
  CorrelationCounters correlations;
  std::map<std::pair<std::string, std::string>, std::uint64_t> alertsByRule;  // (rule id, level)
  std::map<std::string, std::uint64_t> alertsByLevel;
  PublisherCounters published;  // signals topic: what stage 1 wrote
  ChangelogCounters changelog;  // state changelog: what the tasks' checkpoints wrote
  TaskCounters tasks;           // signals topic: what this member's tasks read, summed
  std::size_t tasksOwned = 0;
  std::map<std::int32_t, std::int64_t> taskWatermarks;  // signals partition → applied-through event time
  std::map<std::int32_t, std::size_t> taskLiveKeys;     // signals partition → live correlation keys
  std::uint64_t committedOffsets = 0;
  std::uint64_t pauses = 0;
  std::size_t inFlightMessages = 0;
};

class Pipeline final : public SourceListener {
 public:
  // `processors`: one per worker. `deadLetters` may be null (rejections counted and logged only).
  Pipeline(Source& source, AlertRouter& router, DeadLetterProducer* deadLetters,
           std::vector<std::unique_ptr<EventProcessor>> processors, std::shared_ptr<const CorrelationSet> correlations,
           PipelineOptions options, const Clock& clock);
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // One round of the polling loop: poll, apply outcomes, route what the correlations fired, apply
  // back-pressure, commit (at most once a second; exactly-once: every transaction interval).
  void step();
  // Drains the workers, closes the windows (with no commit hold) or leaves them for the next owner,
  // flushes the sinks and commits what is done, all bounded; closes the source.
  void stop();
  // New rules: the workers finish what they hold with the old ones, then switch; the correlation
  // windows are closed and a new engine starts.
  void replaceRules(std::vector<std::unique_ptr<EventProcessor>> processors,
                    std::shared_ptr<const CorrelationSet> correlations);

  std::size_t workers() const { return workers_.size(); }
  // inputOrder: the source is exhausted and everything it gave has been applied (a finite input is done).
  bool finished() const;
  PipelineTotals totals() const;
  // Empty when every pipeline thread is alive and making progress.
  std::string threadProblems() const;
  // Exactly-once: why the pipeline can never commit again (its producer was fenced); empty while it can.
  const std::string& fatal() const { return fatal_; }

  void assigned(std::span<const StreamName* const> streams) override;
  void revoking(std::span<const StreamName* const> streams) override;

 private:
  struct AwaitingSignals {
    std::int64_t doneAt;  // event time the engine must have applied
    std::shared_ptr<MessageEffects> effects;
  };

  bool workersBusy() const;
  void pollOnce();
  void collectOutcomes();
  void markDone();
  void apply(MessageOutcome& outcome);
  void applyInInputOrder(std::vector<MessageOutcome> outcomes);
  void applyOrdered(MessageOutcome& outcome);
  void submitOrderedRun();
  std::int64_t commitHoldFor(const Signal& signal) const;
  void routeCorrelationAlerts(CorrelationThread::Fired fired);
  void finishTasks();
  void applySignalsMessage(InputMessage& message);
  void applyBackPressure();
  void commit(bool synchronous);
  // Exactly-once (pipeline_transactions.cpp).
  bool commitTransaction();
  bool quiesce(std::chrono::milliseconds bound);
  void rewind();
  void forgetAborted(std::span<const StreamName* const> streams);
  bool drainWorkers(std::chrono::milliseconds bound);
  std::unique_ptr<CorrelationThread> makeCorrelator() const;
  void logFlow(std::string_view message, std::initializer_list<LogField> fields = {}) const;

  // Declaration order is destruction order reversed: what a later member's threads call into comes first.
  Source& source_;
  AlertRouter& router_;
  PipelineOptions options_;
  const Clock& clock_;
  std::shared_ptr<const CorrelationSet> correlations_;
  DoneOffsets done_;
  OffsetTracker tracker_;
  std::unique_ptr<CorrelationThread> correlator_;
  CorrelationCounters replacedEngines_;                 // in process: the counts of engines a reload replaced
  std::uint64_t droppedKeys_ = 0;                       // in process: keys of changed correlations a reload dropped
  std::map<std::uint32_t, const StreamName*> streams_;  // every stream seen, by index
  std::vector<AwaitingSignals> awaitingSignals_;        // in consume order
  CorrelationCommitGate correlationGate_;               // the sinks' acks call into it
  AlertDispatch dispatch_;                   // correlation alerts, and a finite input's alerts in input order
  std::unique_ptr<CorrelationTasks> tasks_;  // signals topic only (routes through the two above)
  std::uint64_t committedOffsets_ = 0;
  bool rewinding_ = false;  // exactly-once: the source is rewinding after an abort (revoking() must not commit)
  std::string fatal_;
  std::uint64_t pauses_ = 0;
  bool paused_ = false;
  std::chrono::steady_clock::time_point lastAdvance_;
  std::chrono::steady_clock::time_point lastCommit_;
  std::chrono::steady_clock::time_point lastCheckpoint_;
  std::vector<InputMessage> polled_;   // reused across polls
  bool lanes_ = false;                 // the source keeps one lane per worker (Source::splitIntoLanes)
  std::vector<std::size_t> laneRoom_;  // per worker: how many more messages it may hold
  // inputOrder: the stream of each message in poll order, outcomes that came back ahead of their turn,
  // the run being collected for the correlation shards.
  struct OrderedRun {
    std::vector<Alert> alerts;
    std::optional<EventTime> latest;
    std::optional<EventTime> earliest;
    std::vector<Signal> signals;
    std::size_t messages = 0;
  };
  std::deque<std::uint32_t> pollOrder_;
  std::vector<std::deque<MessageOutcome>> early_;
  OrderedRun run_;
  std::unique_ptr<CorrelationShards> shards_;
  OutcomeQueue outcomes_;
  WorkerContext workerContext_;
  std::vector<std::unique_ptr<PartitionWorker>> workers_;  // last: their threads use everything above
};

}  // namespace auditstream
