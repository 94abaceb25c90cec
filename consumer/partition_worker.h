// PartitionWorker: one of the pipeline's N worker threads. Every stream (a Kafka partition) belongs to
// exactly one worker (ARCHITECTURE.md, Threads), so a stream's messages are parsed and matched in offset
// order, and parsing — the dominant cost — runs in parallel across streams. The polling thread submits
// batches; the worker decodes, matches and builds alerts with its own EventProcessor, routes those alerts
// to the sinks itself (AlertDispatch: each holds its message's commit until acknowledged), sends rejected
// messages to the dead-letter topic itself, and hands each message's outcome (signals, latest event
// time, the effects still pending) back through the OutcomeQueue, in submission order. Offsets stay on
// the polling thread, which hands the signals on to the CorrelationThread. Without a router in the
// context (a finite input, routed in input order) the alerts go back in the outcome.
//
// submit(), idle(), replaceProcessor() and counters() are called by the polling thread; the worker
// thread only touches its processor, its resolver and the queues.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/blocking_queue.h"
#include "config/service_config.h"
#include "consumer/alert_dispatch.h"
#include "consumer/cluster_resolver.h"
#include "consumer/dead_letter_producer.h"
#include "consumer/log_budget.h"
#include "consumer/message_effects.h"
#include "consumer/pipeline_stage.h"
#include "consumer/source.h"
#include "engine/event_processor.h"

namespace auditstream {

struct MessageOutcome {
  std::uint32_t slot = 0;
  std::int64_t offset = 0;
  std::vector<Alert> alerts;  // only when the worker does not route (WorkerContext::router is null)
  std::vector<Signal> signals;
  std::optional<EventTime> latestEventTime;
  std::shared_ptr<MessageEffects> effects;  // set when the worker started effects (alerts, dead letters)
};

// Outcomes from all workers to the consumer thread; `wake` interrupts the consumer's poll.
class OutcomeQueue {
 public:
  explicit OutcomeQueue(std::function<void()> wake) : wake_(std::move(wake)) {}
  void push(std::vector<MessageOutcome> outcomes);
  std::vector<MessageOutcome> take();

 private:
  std::function<void()> wake_;
  std::mutex mutex_;
  std::vector<MessageOutcome> outcomes_;
};

struct WorkerContext {
  ClusterIdentity identity;
  std::optional<FieldPath> clusterField;      // when cluster.from lists field
  DeadLetterProducer* deadLetters = nullptr;  // null: rejected messages are counted and logged only
  AlertRouter* router = nullptr;              // null: alerts go back in the outcome
  const AlertDispatch::Latency* deliveredLatency = nullptr;
  DoneOffsets* done = nullptr;
  OutcomeQueue* outcomes = nullptr;
  PipelineStage stage = PipelineStage::kDetect;
  const Clock* clock = nullptr;  // for the rejection log's budget
  Logger log;
};

class PartitionWorker {
 public:
  PartitionWorker(std::unique_ptr<EventProcessor> processor, const WorkerContext& context, unsigned number = 0);
  ~PartitionWorker();  // finishes what was submitted, then joins
  PartitionWorker(const PartitionWorker&) = delete;
  PartitionWorker& operator=(const PartitionWorker&) = delete;

  void submit(std::vector<InputMessage> batch);
  // Nothing submitted is still being processed.
  bool idle() const { return pending_.load() == 0; }
  // Messages submitted and not yet handed back.
  std::size_t pending() const { return pending_.load(); }
  // Only while idle (after a reload's new rules compiled).
  void replaceProcessor(std::unique_ptr<EventProcessor> processor);
  // A snapshot, refreshed after every batch.
  ProcessCounters counters() const;
  // What this worker routed (any thread).
  AlertCounts alertCounts() const;
  // Empty while the thread runs and makes progress; else why not (it died, or one batch takes minutes).
  std::string problem() const;

 private:
  void run();
  void processBatches();
  MessageOutcome process(const InputMessage& message);
  void routeAlerts(std::vector<Alert>& alerts, MessageOutcome& outcome);
  MessageEffects& effectsOf(MessageOutcome& outcome);

  std::unique_ptr<EventProcessor> processor_;
  const WorkerContext& context_;
  ClusterResolver resolver_;
  std::optional<AlertDispatch> dispatch_;  // when the context has a router
  LogBudget rejectionLog_;                 // 10 lines a second per worker; the rest are counted
  BlockingQueue<std::vector<InputMessage>> inbox_;
  std::atomic<std::size_t> pending_{0};  // messages submitted and not yet handed back
  std::atomic<bool> alive_{true};
  std::atomic<std::int64_t> lastProgress_{0};  // steady clock, ns: the last batch started or finished
  std::string death_;                          // under countersMutex_: why the thread ended
  mutable std::mutex countersMutex_;
  ProcessCounters counters_;
  ProcessCounters stageCounters_;  // what kConsume and kParse counted (the processor sees nothing then)
  std::thread thread_;             // last
};

}  // namespace auditstream
