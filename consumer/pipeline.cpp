#include "consumer/pipeline.h"

#include <algorithm>
#include <thread>

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kPollBatch = 1000;
// With lanes, the messages a worker may hold (a few polls' worth: tens of milliseconds of its work).
// The rest of a backlog waits in the source, not in the worker's inbox: a drain does not fill
// `limits.queue_messages` and pause (a pause drops what was fetched; resuming fetches it again), and a
// busy worker does not hold the others back.
constexpr std::size_t kQueuedPerWorker = 4 * kPollBatch;
constexpr auto kAdvanceEvery = std::chrono::milliseconds(200);
constexpr auto kCommitEvery = std::chrono::seconds(1);
constexpr auto kRevokeDrainBound = std::chrono::seconds(5);  // well below session.timeout.ms (45 s)
constexpr auto kStopDrainBound = std::chrono::seconds(10);

}  // namespace

Pipeline::Pipeline(Source& source, AlertRouter& router, DeadLetterProducer* deadLetters,
                   std::vector<std::unique_ptr<EventProcessor>> processors,
                   std::shared_ptr<const CorrelationSet> correlations, PipelineOptions options, const Clock& clock)
    : source_(source),
      router_(router),
      options_(std::move(options)),
      clock_(clock),
      correlations_(std::move(correlations)),
      dispatch_(router, options_.deliveredLatency),
      lastAdvance_(SteadyClock::now()),
      lastCommit_(lastAdvance_),
      lastCheckpoint_(lastAdvance_),
      outcomes_([this] { source_.wake(); }) {
  if (options_.inputOrder) {
    options_.correlation.clock = nullptr;  // event time only: the same result however fast the input comes
    if (correlations_ && correlations_->size() > 0) {
      shards_ = std::make_unique<CorrelationShards>(correlations_, options_.correlation, options_.correlationShards,
                                                    [this](std::vector<Alert>&& alerts) {
                                                      for (Alert& alert : alerts)
                                                        dispatch_.route(std::move(alert), [] {});
                                                    });
    }
  } else {
    options_.correlation.clock = &clock_;
    if (options_.signalPublisher != nullptr) {
      tasks_ =
          std::make_unique<CorrelationTasks>(std::make_shared<const SignalCodec>(correlations_), options_.correlation,
                                             options_.changelog, correlationGate_, dispatch_, options_.log);
    } else {
      correlator_ = makeCorrelator();
    }
  }
  workerContext_.identity = options_.identity;
  workerContext_.clusterField = parseFieldPath(options_.identity.field);
  workerContext_.router = options_.inputOrder ? nullptr : &router_;  // input order: routed here, in that order
  workerContext_.deliveredLatency = &options_.deliveredLatency;
  workerContext_.deadLetters = deadLetters;
  workerContext_.done = &done_;
  workerContext_.outcomes = &outcomes_;
  workerContext_.stage = options_.stage;
  workerContext_.clock = &clock_;
  workerContext_.log = options_.log.child("worker");
  for (auto& processor : processors) {
    const auto number = static_cast<unsigned>(workers_.size());
    workers_.push_back(std::make_unique<PartitionWorker>(std::move(processor), workerContext_, number));
  }
  source_.setListener(this);
  lanes_ = !options_.inputOrder && source_.splitIntoLanes(workers_.size());
  laneRoom_.resize(workers_.size());
}

Pipeline::~Pipeline() { source_.setListener(nullptr); }

void Pipeline::logFlow(std::string_view message, std::initializer_list<LogField> fields) const {
  if (options_.logFlow) options_.log.info(message, fields);
}

std::unique_ptr<CorrelationThread> Pipeline::makeCorrelator() const {
  return std::make_unique<CorrelationThread>(std::make_unique<CorrelationEngine>(correlations_, options_.correlation),
                                             options_.log.child("correlations"));
}

void Pipeline::step() {
  pollOnce();
  collectOutcomes();
  const auto now = SteadyClock::now();
  if (options_.changelog != nullptr && now - lastCheckpoint_ > options_.checkpointEvery) {
    lastCheckpoint_ = now;
    tasks_->checkpoint();
  }
  if (now - lastAdvance_ > kAdvanceEvery) {
    lastAdvance_ = now;
    if (correlator_) routeCorrelationAlerts(correlator_->takeFired());
    if (tasks_) tasks_->route(false);
  }
  if (options_.changelog != nullptr) tasks_->writeCleared();
  if (options_.signalPublisher != nullptr) options_.signalPublisher->publishProgress();
  applyBackPressure();
  if (now - lastCommit_ > (options_.exactlyOnce ? options_.transactionInterval : kCommitEvery)) {
    commit(false);
    lastCommit_ = SteadyClock::now();
  }
}

bool Pipeline::workersBusy() const {
  return std::any_of(workers_.begin(), workers_.end(), [](const auto& worker) { return !worker->idle(); });
}

void Pipeline::pollOnce() {
  // Short waits while workers are busy: their outcomes also wake the source (OutcomeQueue).
  const auto timeout = std::chrono::milliseconds(workersBusy() ? 5 : 100);
  polled_.clear();
  if (lanes_) {
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      laneRoom_[i] = std::min(kPollBatch, kQueuedPerWorker - std::min(kQueuedPerWorker, workers_[i]->pending()));
    }
    source_.pollLanes(polled_, laneRoom_, timeout);
  } else {
    source_.poll(polled_, kPollBatch, timeout);
  }
  if (polled_.empty()) return;
  std::vector<std::vector<InputMessage>> batches(workers_.size());
  for (InputMessage& message : polled_) {
    const std::uint32_t stream = message.stream->index;
    streams_.try_emplace(stream, message.stream);
    if (message.stream->signals) {  // stage 2: a correlation task's input, applied here
      applySignalsMessage(message);
      continue;
    }
    tracker_.started(stream, message.offset);
    if (options_.inputOrder) pollOrder_.push_back(stream);
    batches[stream % workers_.size()].push_back(std::move(message));
  }
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (!batches[i].empty()) workers_[i]->submit(std::move(batches[i]));
  }
}

void Pipeline::collectOutcomes() {
  if (options_.inputOrder) {
    applyInInputOrder(outcomes_.take());
  } else {
    for (MessageOutcome& outcome : outcomes_.take()) apply(outcome);
  }
  markDone();
}

bool Pipeline::finished() const { return source_.exhausted() && !workersBusy() && pollOrder_.empty(); }

void Pipeline::markDone() {
  for (const auto& [stream, offset] : done_.take()) tracker_.done(stream, offset);
}

// A message's outcome, in its stream's order: route its alerts, hand its signals to the engine, and
// mark it done once every effect has settled.
void Pipeline::apply(MessageOutcome& outcome) {
  SignalPublisher* const publisher = options_.signalPublisher;
  if (outcome.latestEventTime) {
    if (publisher != nullptr) {
      publisher->observe(*streams_.at(outcome.slot), *outcome.latestEventTime);
    } else {
      correlator_->observe(outcome.slot, *outcome.latestEventTime);
      correlator_->observeStart(*outcome.latestEventTime);
    }
  }
  const bool effectsPending = outcome.effects || !outcome.alerts.empty() || !outcome.signals.empty();
  tracker_.applied(outcome.slot, outcome.offset, effectsPending);
  if (!effectsPending) return;
  std::shared_ptr<MessageEffects> effects = outcome.effects
                                                ? std::move(outcome.effects)
                                                : std::make_shared<MessageEffects>(outcome.slot, outcome.offset, done_);
  for (Alert& alert : outcome.alerts) dispatch_.route(std::move(alert), effects);
  if (outcome.signals.empty()) {
    effects->settle();
    return;
  }
  if (publisher != nullptr) {  // done once the broker has its signals: no window hold
    publisher->publish(*streams_.at(outcome.slot), outcome.offset, outcome.signals, effects);
    effects->settle();
    return;
  }
  // Not done until every correlation window its signals joined has closed (the watermark passed the
  // signal's time plus the window, capped by correlation.max_commit_hold) and what they fired was
  // acknowledged: until then a crash or a rebalance makes the next owner read it again.
  std::int64_t doneAt = 0;
  for (Signal& signal : outcome.signals) {
    doneAt = std::max(doneAt, signal.time.nanosSinceEpoch + commitHoldFor(signal));
    correlator_->add(std::move(signal));
  }
  awaitingSignals_.push_back({doneAt, std::move(effects)});
}

// first_seen keeps no window (its history is a set of known values: after a restart a value may look
// new once more, a repeat alert rather than a missed one); the others hold for their timespan.
std::int64_t Pipeline::commitHoldFor(const Signal& signal) const {
  const CorrelationSpec& spec = correlations_->at(signal.correlation).spec;
  if (spec.type == CorrelationType::kFirstSeen) return 0;
  return std::min(spec.timespanNanos, options_.maxCommitHold.count());
}

// Messages whose signals the engine has applied and whose windows have closed are done with it once
// every correlation alert that fired so far is acknowledged (CorrelationCommitGate).
void Pipeline::routeCorrelationAlerts(CorrelationThread::Fired fired) {
  const CorrelationCommitGate::Round round = correlationGate_.open(fired.alerts.size());
  for (Alert& alert : fired.alerts) {
    dispatch_.route(std::move(alert), [gate = &correlationGate_, round] { gate->acknowledge(round); });
  }
  const std::int64_t applied = fired.appliedThrough;
  std::vector<std::shared_ptr<MessageEffects>> released;
  std::erase_if(awaitingSignals_, [&](AwaitingSignals& waiting) {
    if (waiting.doneAt > applied) return false;
    released.push_back(std::move(waiting.effects));
    return true;
  });
  correlationGate_.release(round, std::move(released));
}

// A signals record: the task of its partition takes it; a tracked signal's message waits for the
// engine to apply it (then for what fired to be acknowledged), the rest are done at once.
void Pipeline::applySignalsMessage(InputMessage& message) {
  const StreamName& stream = *message.stream;
  CorrelationTask& task = tasks_->taskFor(stream, source_);
  if (!task.tracks(message.offset)) {  // rebuild: never committed again
    task.take(message.offset, message.payload);
    return;
  }
  tracker_.started(stream.index, message.offset);
  const std::optional<std::int64_t> waitsFor = task.take(message.offset, message.payload);
  // With a changelog every record waits for the checkpoint that covers it (progress moves clocks too).
  const bool waits = waitsFor.has_value() || options_.changelog != nullptr;
  tracker_.applied(stream.index, message.offset, waits);
  if (waits) task.await(waitsFor.value_or(0), std::make_shared<MessageEffects>(stream.index, message.offset, done_));
}

// Sinks slower than the input, or a durable sink that cannot deliver (re-sending to a missing topic, a
// replica down) or whose queue is full: pause the source, resume once it delivers and fewer than half the
// limit wait — never drop. (Messages waiting only for the watermark do not count: pausing for them would
// stop the events that move the watermark.)
void Pipeline::applyBackPressure() {
  markDone();
  const std::size_t inFlight = tracker_.inFlight();
  const std::size_t awaitingEngine = awaitingSignals_.size() + (tasks_ ? tasks_->awaiting() : 0);
  const std::size_t waiting = inFlight - std::min(inFlight, awaitingEngine);
  const SinkHealth sinks = router_.health();
  const bool blocked = !sinks.delivering || sinks.saturated;
  const bool pause = !paused_ && (waiting > options_.queueMessages || blocked);
  const bool resume = paused_ && !blocked && waiting < options_.queueMessages / 2;
  if (!pause && !resume) return;
  if (!source_.pause(pause)) return;
  if (pause) ++pauses_;
  paused_ = pause;
  if (blocked) {
    logFlow("pausing consumption: alerts are not being delivered", {{"reason", sinks.problem}});
  } else {
    logFlow(pause ? "pausing consumption: too many messages wait for their alerts' acknowledgements"
                  : "resuming consumption",
            {{"waiting", waiting}});
  }
}

void Pipeline::commit(bool synchronous) {
  if (options_.exactlyOnce) {
    if (!commitTransaction()) rewind();
    return;
  }
  markDone();
  std::vector<StreamPosition> positions;
  for (const auto& [stream, offset] : tracker_.committable()) positions.push_back({stream, offset});
  if (positions.empty()) return;
  if (const Status status = source_.commit(positions, synchronous); !status.isOk()) {
    options_.log.warn(status.message());
    return;
  }
  for (const StreamPosition& position : positions) tracker_.committed(position.stream, position.next);
  committedOffsets_ += positions.size();
}

// Waits (bounded) until every submitted message has come back from the workers and was applied.
bool Pipeline::drainWorkers(std::chrono::milliseconds bound) {
  const auto deadline = SteadyClock::now() + bound;
  while (true) {
    const bool busy = workersBusy();  // read before taking: an idle worker has already pushed its outcomes
    collectOutcomes();
    if (!busy) return true;
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void Pipeline::stop() {
  if (options_.inputOrder) {  // a finite input: everything is applied and every window closed
    drainWorkers(std::chrono::hours(24));
    submitOrderedRun();
    if (shards_) shards_->finish();
    router_.flush(kStopDrainBound);
    source_.close();
    return;
  }
  if (!drainWorkers(kStopDrainBound)) {
    options_.log.warn("workers still busy after the drain bound; their offsets stay uncommitted");
  }
  // Open windows are not closed early: their messages stay uncommitted and the next owner rebuilds them.
  // Without a commit hold, the windows are closed now (what can fire fires) and everything is committed.
  if (!correlator_) {
    if (options_.closeWindowsAtStop) {
      finishTasks();
    } else {
      // Open windows stay open: the tasks' next owners restore them from the last checkpoint (or rebuild
      // them from the signals topic).
      tasks_->checkpoint();
      tasks_->route(true);
    }
  } else if (options_.maxCommitHold.count() == 0 || options_.closeWindowsAtStop) {
    routeCorrelationAlerts(correlator_->finish());
  } else {
    routeCorrelationAlerts(correlator_->takeFiredAfterCatchingUp(kStopDrainBound));
  }
  // Bounded: what a durable sink has not acknowledged by then stays uncommitted and is consumed again.
  router_.flush(kStopDrainBound);
  if (workerContext_.deadLetters != nullptr) workerContext_.deadLetters->flush(kStopDrainBound);
  if (options_.changelog != nullptr) {
    tasks_->writeCleared();
    options_.changelog->flush(kStopDrainBound);
  }
  if (options_.signalPublisher != nullptr) {
    options_.signalPublisher->publishProgress(true);
    options_.signalPublisher->flush(kStopDrainBound);
  }
  commit(true);
  source_.close();
}

// Every signal written so far (this member's first) reaches its task, then every task's windows close.
void Pipeline::finishTasks() {
  if (options_.signalPublisher != nullptr) {
    options_.signalPublisher->publishProgress(true);
    options_.signalPublisher->flush(kStopDrainBound);
  }
  std::map<std::uint32_t, std::int64_t> ends;
  for (const auto& [index, next] : tasks_->nextOffsets()) {
    if (const std::optional<std::int64_t> end = source_.endOffset(*streams_.at(index))) ends[index] = *end;
  }
  const auto unread = [&] {
    const std::map<std::uint32_t, std::int64_t> read = tasks_->nextOffsets();
    return std::any_of(ends.begin(), ends.end(), [&](const auto& end) {
      const auto found = read.find(end.first);
      return found != read.end() && found->second < end.second;
    });
  };
  const auto deadline = SteadyClock::now() + kStopDrainBound;
  while (unread() && SteadyClock::now() < deadline) {
    pollOnce();
    collectOutcomes();
  }
  if (unread()) options_.log.warn("stopping before every signal was read; their windows close without them");
  tasks_->finishAll();
}

void Pipeline::assigned(std::span<const StreamName* const> streams) {
  paused_ = false;  // a new assignment starts unpaused; back-pressure pauses it again if it must
  std::size_t tasks = 0;
  for (const StreamName* stream : streams) {
    streams_[stream->index] = stream;
    if (stream->signals && tasks_) {
      tasks_->retire(stream->index);
      tasks_->taskFor(*stream, source_);
      ++tasks;
    } else if (options_.signalPublisher != nullptr && !stream->signals) {
      options_.signalPublisher->assigned(*stream);
    }
  }
  logFlow("partitions assigned", {{"partitions", streams.size() - tasks}, {"correlation_tasks", tasks}});
}

// Revoked: finish what the workers hold, give the sinks a bounded chance, commit what is done, forget the
// streams (their new owner resumes from the last commit). Bounded well below the session timeout.
void Pipeline::revoking(std::span<const StreamName* const> streams) {
  if (rewinding_) {
    forgetAborted(streams);
    return;
  }
  const auto started = SteadyClock::now();
  drainWorkers(kRevokeDrainBound);
  if (correlator_) routeCorrelationAlerts(correlator_->takeFiredAfterCatchingUp(kRevokeDrainBound));
  if (tasks_) {
    tasks_->checkpoint();  // the next owner restores from here
    tasks_->route(true);
  }
  router_.flush(kRevokeDrainBound);
  if (options_.changelog != nullptr) {
    tasks_->writeCleared();
    options_.changelog->flush(kRevokeDrainBound);
  }
  if (options_.signalPublisher != nullptr) {
    // Each stream's last progress goes out before its next owner's first records (the tasks must know how
    // far this owner's signals reached: signals do not move a task's clocks).
    for (const StreamName* stream : streams) {
      if (!stream->signals) options_.signalPublisher->revoked(*stream);
    }
    options_.signalPublisher->flush(kRevokeDrainBound);
  }
  if (options_.exactlyOnce) {
    // Aborted: the streams go anyway; their next owners read from the last committed transaction.
    if (!commitTransaction()) forgetAborted(streams);
  } else {
    commit(true);
  }
  std::size_t tasks = 0;
  for (const StreamName* stream : streams) {
    tracker_.revoke(stream->index);
    if (tasks_) tasks_->retire(stream->index);  // its next owner restores (or rebuilds) its windows
    tasks += stream->signals ? 1 : 0;
  }
  logFlow("partitions revoked: drained and committed",
          {{"partitions", streams.size() - tasks},
           {"correlation_tasks", tasks},
           {"took_ms", std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started).count()}});
}

void Pipeline::replaceRules(std::vector<std::unique_ptr<EventProcessor>> processors,
                            std::shared_ptr<const CorrelationSet> correlations) {
  // Quiesce: the workers finish what they hold with the old rules, then switch.
  drainWorkers(std::chrono::hours(1));
  for (std::size_t i = 0; i < workers_.size() && i < processors.size(); ++i) {
    workers_[i]->replaceProcessor(std::move(processors[i]));
  }
  correlations_ = std::move(correlations);
  if (options_.signalPublisher != nullptr) {
    options_.signalPublisher->replaceCorrelations(correlations_);
    tasks_->replaceCorrelations(std::make_shared<const SignalCodec>(correlations_));
    return;
  }
  if (!correlator_) return;  // inputOrder: a finite input does not reload
  // Unchanged correlations keep their windows open; changed ones start afresh.
  auto [fired, engine] = correlator_->stop();
  routeCorrelationAlerts(std::move(fired));
  CorrelationEngine::CarriedOver carried = engine->carryOver(correlations_);
  for (const std::string& id : carried.droppedCorrelations) {
    options_.log.warn("correlation state dropped: the correlation changed or is gone", {{"correlation", id}});
  }
  addCounts(replacedEngines_, correlator_->counters(), false);
  droppedKeys_ += carried.droppedKeys.size();
  correlator_ = std::make_unique<CorrelationThread>(std::move(carried.engine), options_.log.child("correlations"));
}

PipelineTotals Pipeline::totals() const {
  PipelineTotals totals;
  for (const auto& worker : workers_) addCounters(totals.processing, worker->counters());
  if (correlator_) {
    totals.correlations = replacedEngines_;
    addCounts(totals.correlations, correlator_->counters(), true);
    totals.tasks.droppedKeys = droppedKeys_;
  }
  if (shards_) totals.correlations = shards_->counters();
  if (tasks_) {
    TaskTotals tasks = tasks_->totals();
    totals.correlations = tasks.correlations;
    totals.tasks = tasks.tasks;
    totals.tasksOwned = tasks.owned;
    totals.taskWatermarks = std::move(tasks.watermarks);
    totals.taskLiveKeys = std::move(tasks.liveKeys);
  }
  if (options_.signalPublisher != nullptr) totals.published = options_.signalPublisher->counters();
  if (options_.changelog != nullptr) totals.changelog = options_.changelog->counters();
  AlertCounts alerts = dispatch_.counts();
  for (const auto& worker : workers_) alerts.add(worker->alertCounts());
  totals.alertsByRule = std::move(alerts.byRule);
  totals.alertsByLevel = std::move(alerts.byLevel);
  totals.committedOffsets = committedOffsets_;
  totals.pauses = pauses_;
  totals.inFlightMessages = tracker_.inFlight();
  return totals;
}

std::string Pipeline::threadProblems() const {
  std::string problems;
  const auto add = [&](const std::string& problem) {
    if (problem.empty()) return;
    if (!problems.empty()) problems += "; ";
    problems += problem;
  };
  for (const auto& worker : workers_) add(worker->problem());
  if (correlator_) add(correlator_->problem());
  if (tasks_) add(tasks_->problems());
  return problems;
}

}  // namespace auditstream
