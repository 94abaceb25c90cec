#include "consumer/service.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <thread>

#include "consumer/consumer_lag.h"
#include "consumer/correlation_commit_gate.h"
#include "consumer/correlation_thread.h"
#include "consumer/dead_letter_producer.h"
#include "consumer/group_consumer.h"
#include "consumer/message_effects.h"
#include "consumer/offset_tracker.h"
#include "consumer/output_topics.h"
#include "consumer/partition_slots.h"
#include "consumer/partition_worker.h"
#include "consumer/process_signals.h"
#include "consumer/progress_line.h"
#include "consumer/service_metrics.h"
#include "consumer/service_sinks.h"
#include "engine/correlation_engine.h"
#include "engine/event_processor.h"
#include "sinks/alert_router.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kConsumeBatch = 1000;
constexpr auto kRevokeDrainBound = std::chrono::seconds(5);  // well below session.timeout.ms (45 s)
constexpr auto kStopDrainBound = std::chrono::seconds(10);
constexpr auto kStartupCheckBound = std::chrono::seconds(5);

double secondsSince(EventTime time) {
  const auto now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return static_cast<double>(now - time.nanosSinceEpoch) / 1e9;
}

class Service {
 public:
  Service(ServiceConfig config, RulePack pack, ServiceOptions options)
      : config_(std::move(config)), pack_(std::move(pack)), options_(std::move(options)) {
    if (!options_.stopRequested) options_.stopRequested = [] { return ProcessSignals::stopRequested(); };
  }

  int run() {
    if (Status status = start(); !status.isOk()) return fail(status);
    log("consuming %s as group %s with %zu workers; %zu rules, %zu correlations",
        config_.topics.empty() ? config_.topicPattern.c_str() : config_.topics.front().c_str(),
        config_.kafka.at("group.id").c_str(), workers_.size(), pack_.rules->size(), pack_.correlations->size());
    started_ = SteadyClock::now();
    auto lastAdvance = started_;
    auto lastCommit = started_;
    auto lastProgress = started_;
    while (!options_.stopRequested()) {
      if (ProcessSignals::takeReloadRequest()) reload();
      pollOnce();
      collectOutcomes();
      const auto now = SteadyClock::now();
      if (now - lastAdvance > std::chrono::milliseconds(200)) {
        lastAdvance = now;
        routeCorrelationAlerts(correlator_->takeFired());
      }
      applyBackPressure();
      if (now - lastCommit > std::chrono::seconds(1)) {
        lastCommit = now;
        commit(false);
        publishMetrics();
      }
      if (now - lastProgress >= options_.progressEvery) {
        lastProgress = now;
        printProgress();
      }
    }
    log("stopping: draining workers, closing windows, flushing sinks, committing");
    stop();
    printProgress();
    return 0;
  }

 private:
  template <typename... Args>
  void log(const char* format, Args... args) const {
    std::string line = options_.name + ": " + format + "\n";
    std::fprintf(stderr, line.c_str(), args...);  // NOLINT(cppcoreguidelines-pro-type-vararg): printf family
  }

  int fail(const Status& status) const {
    std::fprintf(stderr, "%s: %s\n", options_.name.c_str(), status.message().c_str());
    return 1;
  }

  Status start() {
    RETURN_IF_ERROR(checkOutputTopics(config_, kStartupCheckBound));
    ASSIGN_OR_RETURN(metrics_, ServiceMetrics::create(config_.metricsAddress));
    ASSIGN_OR_RETURN(ServiceSinks sinks, makeServiceSinks(config_, clock_, options_.extraSinks));
    sinkCounts_ = std::move(sinks.counts);
    ASSIGN_OR_RETURN(router_, AlertRouter::create(std::move(sinks.all), sinks.routes));
    if (!config_.deadLetterTopic.empty()) {
      ASSIGN_OR_RETURN(deadLetters_, DeadLetterProducer::create(config_.kafka, config_.deadLetterTopic));
    }
    workerContext_.identity = config_.cluster;
    workerContext_.clusterField = parseFieldPath(config_.cluster.field);
    workerContext_.deadLetters = deadLetters_.get();
    workerContext_.done = &done_;
    workerContext_.outcomes = &outcomes_;
    workerContext_.stage = options_.stage;
    workerContext_.clock = &clock_;
    const unsigned workerCount =
        config_.workers > 0 ? config_.workers : std::max(1U, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < workerCount; ++i) {
      ASSIGN_OR_RETURN(std::unique_ptr<EventProcessor> processor, makeProcessor());
      workers_.push_back(std::make_unique<PartitionWorker>(std::move(processor), workerContext_));
    }
    correlator_ = makeCorrelator();
    RETURN_IF_ERROR(startConsumer());
    ProcessSignals::install();
    return Status::ok();
  }

  Result<std::unique_ptr<EventProcessor>> makeProcessor() const {
    EnvelopeOptions envelope;
    envelope.stringPaths = config_.envelopePaths;
    envelope.maxMessageBytes = config_.maxMessageBytes;
    return EventProcessor::create(pack_.rules, envelope, pack_.correlations);
  }

  std::unique_ptr<CorrelationThread> makeCorrelator() {
    CorrelationOptions options;
    options.allowedLatenessNanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(config_.allowedLateness).count();
    options.maxKeysPerCorrelation = config_.maxKeysPerCorrelation;
    options.clock = &clock_;
    options.idleTimeout = config_.idleTimeout;
    return std::make_unique<CorrelationThread>(std::make_unique<CorrelationEngine>(pack_.correlations, options));
  }

  Status startConsumer() {
    ASSIGN_OR_RETURN(consumer_, subscribeGroupConsumer(config_, {this, &Service::onRebalance, &Service::onStatistics}));
    consumerQueue_.reset(rd_kafka_queue_get_consumer(consumer_.get()));
    return Status::ok();
  }

  // --- the consumer thread's loop -------------------------------------------------------------------

  bool workersBusy() const {
    return std::any_of(workers_.begin(), workers_.end(), [](const auto& worker) { return !worker->idle(); });
  }

  void pollOnce() {
    std::array<rd_kafka_message_t*, kConsumeBatch> raw{};
    // Short waits while workers are busy: their outcomes also wake the queue (rd_kafka_queue_yield).
    const int timeoutMs = workersBusy() ? 5 : 100;
    const ssize_t count = rd_kafka_consume_batch_queue(consumerQueue_.get(), timeoutMs, raw.data(), raw.size());
    if (count <= 0) return;
    std::vector<std::vector<WorkItem>> batches(workers_.size());
    for (ssize_t i = 0; i < count; ++i) {
      KafkaMessagePtr message(raw[static_cast<std::size_t>(i)]);
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
          log("consume: %s", rd_kafka_message_errstr(message.get()));
        continue;
      }
      const PartitionSlot& slot = slots_.of(*message);
      tracker_.started(slot.index, message->offset);
      batches[slot.index % workers_.size()].push_back({&slot, std::move(message)});
    }
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      if (!batches[i].empty()) workers_[i]->submit(std::move(batches[i]));
    }
  }

  void collectOutcomes() {
    for (MessageOutcome& outcome : outcomes_.take()) apply(outcome);
    markDone();
  }

  void markDone() {
    for (const auto& [slot, offset] : done_.take()) tracker_.done(slot, offset);
  }

  // A message's outcome, in its partition's order: route its alerts, hand its signals to the engine, and
  // mark it done once every effect has settled.
  void apply(MessageOutcome& outcome) {
    if (outcome.latestEventTime) correlator_->observe(outcome.slot, *outcome.latestEventTime);
    const bool effectsPending = outcome.effects || !outcome.alerts.empty() || !outcome.signals.empty();
    tracker_.applied(outcome.slot, outcome.offset, effectsPending);
    if (!effectsPending) return;
    std::shared_ptr<MessageEffects> effects =
        outcome.effects ? std::move(outcome.effects)
                        : std::make_shared<MessageEffects>(outcome.slot, outcome.offset, done_);
    for (Alert& alert : outcome.alerts) route(std::move(alert), effects);
    if (outcome.signals.empty()) {
      effects->settle();
      return;
    }
    // Not done until every correlation window its signals joined has closed (the watermark passed the
    // signal's time plus the window, capped by correlation.max_commit_hold): until then a crash or a
    // rebalance makes the next owner read the message again and rebuild the window.
    std::int64_t doneAt = 0;
    for (Signal& signal : outcome.signals) {
      doneAt = std::max(doneAt, signal.time.nanosSinceEpoch + commitHoldFor(signal));
      correlator_->add(std::move(signal));
    }
    awaitingSignals_.push_back({doneAt, std::move(effects)});
  }

  // first_seen keeps no window (its history is a set of known values: after a restart a value may look
  // new once more, a repeat alert rather than a missed one); the others hold for their timespan.
  std::int64_t commitHoldFor(const Signal& signal) const {
    const CorrelationSpec& spec = pack_.correlations->at(signal.correlation).spec;
    if (spec.type == CorrelationType::kFirstSeen) return 0;
    return std::min(spec.timespanNanos, maxCommitHoldNanos());
  }

  std::int64_t maxCommitHoldNanos() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(config_.maxCommitHold).count();
  }

  // `acknowledged` runs once the durable sinks have the alert (or refused it for good). An alert they
  // did not deliver (kFailed: the sink stopped first) never acknowledges: its messages stay uncommitted
  // and are consumed again. Durable sinks retry everything else themselves, without limit.
  void route(Alert alert, std::function<void()> acknowledged) {
    ++alertsByRule_[{alert.rule->id, alert.rule->level}];
    ++alertsByLevel_[alert.rule->level];
    const EventTime eventTime = alert.lastEventTime;
    router_->route(std::move(alert), [acknowledged = std::move(acknowledged), eventTime,
                                      metrics = metrics_.get()](const Delivery& delivery) {
      if (delivery.outcome == DeliveryOutcome::kFailed) return;
      if (delivery.outcome == DeliveryOutcome::kDelivered) metrics->observeDetectionLatency(secondsSince(eventTime));
      acknowledged();
    });
  }

  void route(Alert alert, const std::shared_ptr<MessageEffects>& effects) {
    effects->hold();
    route(std::move(alert), [effects] { effects->settle(); });
  }

  // Messages whose signals the engine has applied and whose windows have closed are done with it once
  // every correlation alert that fired so far is acknowledged (CorrelationCommitGate).
  void routeCorrelationAlerts(CorrelationThread::Fired fired) {
    const CorrelationCommitGate::Round round = correlationGate_.open(fired.alerts.size());
    for (Alert& alert : fired.alerts) {
      route(std::move(alert), [gate = &correlationGate_, round] { gate->acknowledge(round); });
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

  // Sinks slower than the input, or a durable sink that cannot deliver (retrying a missing topic, a
  // replica down) or whose queue is full: pause every assigned partition, resume once it delivers and
  // fewer than half the limit wait — never drop. (Messages waiting only for the watermark do not count:
  // pausing for them would stop the events that move the watermark.)
  void applyBackPressure() {
    markDone();
    const std::size_t inFlight = tracker_.inFlight();
    const std::size_t waiting = inFlight - std::min(inFlight, awaitingSignals_.size());
    const SinkHealth sinks = router_->health();
    const bool blocked = !sinks.delivering || sinks.saturated;
    const bool pause = !paused_ && (waiting > config_.queueMessages || blocked);
    const bool resume = paused_ && !blocked && waiting < config_.queueMessages / 2;
    if (!pause && !resume) return;
    if (!pauseAssignment(consumer_.get(), pause)) return;
    if (pause) ++pauses_;
    paused_ = pause;
    if (blocked) {
      log("pausing consumption: %s", sinks.problem.c_str());
    } else {
      log("%s consumption: %zu messages wait for their alerts' acknowledgements", pause ? "pausing" : "resuming",
          waiting);
    }
  }

  void commit(bool synchronous) {
    markDone();
    const auto committable = tracker_.committable();
    if (committable.empty()) return;
    KafkaPartitionListPtr offsets(rd_kafka_topic_partition_list_new(static_cast<int>(committable.size())));
    for (const auto& [slot, offset] : committable) {
      rd_kafka_topic_partition_list_add(offsets.get(), slots_.at(slot).topic.c_str(), slots_.at(slot).partition)
          ->offset = offset;
    }
    const rd_kafka_resp_err_t error = rd_kafka_commit(consumer_.get(), offsets.get(), synchronous ? 0 : 1);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      log("commit: %s", rd_kafka_err2str(error));
      return;
    }
    for (const auto& [slot, offset] : committable) tracker_.committed(slot, offset);
    committedOffsets_ += committable.size();
  }

  // Waits (bounded) until every submitted message has come back from the workers and was applied.
  bool drainWorkers(std::chrono::milliseconds bound) {
    const auto deadline = SteadyClock::now() + bound;
    while (true) {
      const bool busy = workersBusy();  // read before taking: an idle worker has already pushed its outcomes
      collectOutcomes();
      if (!busy) return true;
      if (SteadyClock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  void stop() {
    if (!drainWorkers(kStopDrainBound)) log("workers still busy after the drain bound; their offsets stay uncommitted");
    // Open windows are not closed early: their messages stay uncommitted and the next owner rebuilds them.
    // Without a commit hold, the windows are closed now (what can fire fires) and everything is committed.
    if (maxCommitHoldNanos() == 0) {
      routeCorrelationAlerts(correlator_->finish());
    } else {
      routeCorrelationAlerts(correlator_->takeFiredAfterCatchingUp(kStopDrainBound));
    }
    // Bounded: what a durable sink has not acknowledged by then stays uncommitted and is consumed again.
    router_->flush(kStopDrainBound);
    deadLetters_.reset();  // flushes outstanding dead letters (bounded), settling their messages
    commit(true);
    rd_kafka_consumer_close(consumer_.get());
  }

  // --- callbacks on the consumer thread ------------------------------------------------------------

  static void onRebalance(rd_kafka_t* consumer, rd_kafka_resp_err_t event, rd_kafka_topic_partition_list_t* partitions,
                          void* opaque) {
    auto* service = static_cast<Service*>(opaque);
    service->slots_.forgetLastLookup();
    if (event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      service->assigned_.clear();
      for (int i = 0; i < partitions->cnt; ++i) {
        service->assigned_.emplace_back(partitions->elems[i].topic, partitions->elems[i].partition);
      }
      service->paused_ = false;
      rd_kafka_assign(consumer, partitions);
      service->log("assigned %d partitions", partitions->cnt);
      return;
    }
    service->revoke(partitions);
    rd_kafka_assign(consumer, nullptr);
  }

  // Revoked: finish what the workers hold, give the sinks a bounded chance, commit what is done, forget
  // the partitions (their new owner resumes from the last commit). Bounded well below the session timeout.
  void revoke(const rd_kafka_topic_partition_list_t* partitions) {
    const auto started = SteadyClock::now();
    drainWorkers(kRevokeDrainBound);
    routeCorrelationAlerts(correlator_->takeFiredAfterCatchingUp(kRevokeDrainBound));
    router_->flush(kRevokeDrainBound);
    commit(true);
    for (int i = 0; i < partitions->cnt; ++i) {
      const PartitionKey key{partitions->elems[i].topic, partitions->elems[i].partition};
      if (const auto slot = slots_.find(key)) tracker_.revoke(*slot);
      lag_.erase(key);
      metrics_->forgetConsumerLag(key.first, key.second);
    }
    assigned_.clear();
    log("revoked %d partitions (drained and committed in %lld ms)", partitions->cnt,
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started).count()));
  }

  // librdkafka statistics (JSON, on the polling thread): how far behind each assigned partition is.
  static int onStatistics(rd_kafka_t* /*client*/, char* json, std::size_t length, void* opaque) {
    auto* service = static_cast<Service*>(opaque);
    for (const PartitionLag& lag : consumerLagFromStatistics({json, length})) {
      service->lag_[{lag.topic, lag.partition}] = lag.lag;
      service->metrics_->setConsumerLag(lag.topic, lag.partition, lag.lag);
    }
    return 0;  // librdkafka frees the JSON
  }

  // --- reload, metrics, progress -------------------------------------------------------------------

  void reload() {
    RulePack pack = loadRulePack(config_.rules);
    if (!pack.problems.empty()) {
      log("reload rejected, keeping the %zu loaded rules:", pack_.rules->size());
      for (const Status& problem : pack.problems) std::fprintf(stderr, "  %s\n", problem.message().c_str());
      metrics_->countReload(false);
      return;
    }
    std::swap(pack_, pack);
    std::vector<std::unique_ptr<EventProcessor>> processors;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      Result<std::unique_ptr<EventProcessor>> processor = makeProcessor();
      if (!processor) {
        std::swap(pack_, pack);
        log("reload rejected, keeping the loaded rules: %s", processor.status().message().c_str());
        metrics_->countReload(false);
        return;
      }
      processors.push_back(std::move(processor).value());
    }
    // Quiesce: the workers finish what they hold with the old rules, then switch.
    drainWorkers(std::chrono::hours(1));
    for (std::size_t i = 0; i < workers_.size(); ++i) workers_[i]->replaceProcessor(std::move(processors[i]));
    routeCorrelationAlerts(correlator_->finish());
    correlator_ = makeCorrelator();
    metrics_->countReload(true);
    log("reloaded: %zu rules, %zu correlations", pack_.rules->size(), pack_.correlations->size());
  }

  ServiceTotals totals() const {
    ServiceTotals totals;
    for (const auto& worker : workers_) addCounters(totals.processing, worker->counters());
    totals.correlations = correlator_->counters();
    totals.router = &router_->stats();
    totals.alertsByRule = alertsByRule_;
    for (const auto& counts : sinkCounts_) totals.sinks.push_back(counts());
    if (deadLetters_) {
      totals.deadLetters = deadLetters_->delivered();
      totals.deadLetterFailures = deadLetters_->failed();
    }
    totals.committedOffsets = committedOffsets_;
    totals.pauses = pauses_;
    totals.inFlightMessages = tracker_.inFlight();
    totals.assignedPartitions = assigned_.size();
    totals.rulesLoaded = pack_.rules->size();
    totals.correlationsLoaded = pack_.correlations->size();
    totals.oldestUnacknowledgedSeconds = std::chrono::duration<double>(router_->oldestUnacknowledged()).count();
    totals.sinksDelivering = router_->health().delivering;
    return totals;
  }

  // Empty when every pipeline thread is alive and making progress.
  std::string threadProblems() const {
    std::string problems;
    const auto add = [&](const std::string& problem) {
      if (problem.empty()) return;
      if (!problems.empty()) problems += "; ";
      problems += problem;
    };
    for (const auto& worker : workers_) add(worker->problem());
    add(correlator_->problem());
    return problems;
  }

  void publishMetrics() {
    metrics_->publish(*pack_.rules, totals());
    metrics_->setHealth(threadProblems());
    Readiness readiness = decideReadiness(assigned_, lag_, config_.readyMaxLag);
    if (const SinkHealth sinks = router_->health(); !sinks.delivering) {
      readiness = {false, "alerts are not being delivered: " + sinks.problem};
    }
    metrics_->setReadiness(readiness.ready, readiness.why);
  }

  void printProgress() {
    std::int64_t lag = 0;
    for (const auto& [key, behind] : lag_) lag += behind;
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - started_).count();
    std::fprintf(stderr, "%s: %s\n", options_.name.c_str(),
                 progressLine(totals(), seconds, alertsByLevel_, lag).c_str());
  }

  struct AwaitingSignals {
    std::int64_t doneAt;  // event time the watermark must pass
    std::shared_ptr<MessageEffects> effects;
  };

  // Declaration order is destruction order reversed: what a later member's threads call into comes first.
  ServiceConfig config_;
  RulePack pack_;
  ServiceOptions options_;
  SystemClock clock_;
  std::unique_ptr<ServiceMetrics> metrics_;
  DoneOffsets done_;
  OffsetTracker tracker_;
  PartitionSlots slots_;  // workers hold pointers to its slots
  std::vector<PartitionKey> assigned_;
  std::map<PartitionKey, std::int64_t> lag_;
  std::unique_ptr<CorrelationThread> correlator_;
  std::vector<AwaitingSignals> awaitingSignals_;  // in consume order
  CorrelationCommitGate correlationGate_;         // the sinks' acks call into it: declared before the router
  std::map<std::pair<std::string, std::string>, std::uint64_t> alertsByRule_;
  std::map<std::string, std::uint64_t> alertsByLevel_;
  std::vector<std::function<SinkCounts()>> sinkCounts_;
  std::uint64_t committedOffsets_ = 0;
  std::uint64_t pauses_ = 0;
  bool paused_ = false;
  SteadyClock::time_point started_;
  std::unique_ptr<DeadLetterProducer> deadLetters_;
  std::unique_ptr<AlertRouter> router_;  // closing a sink acks what it holds: after done_ and the tracker
  OutcomeQueue outcomes_{[this] {
    if (consumerQueue_) rd_kafka_queue_yield(consumerQueue_.get());
  }};
  WorkerContext workerContext_;
  std::vector<std::unique_ptr<PartitionWorker>> workers_;  // use the dead-letter producer and the queues
  KafkaClientPtr consumer_;                                // destroyed before everything its callbacks use
  KafkaQueuePtr consumerQueue_;
};

}  // namespace

int runService(ServiceConfig config, RulePack pack, ServiceOptions options) {
  Service service(std::move(config), std::move(pack), std::move(options));
  return service.run();
}

int runService(const std::string& configPath, PipelineStage stage) {
  Result<ServiceConfig> config = loadServiceConfig(configPath);
  if (!config) {
    std::fprintf(stderr, "auditstream: %s\n", config.status().message().c_str());
    return 1;
  }
  RulePack pack = loadRulePack(config->rules);
  if (!pack.problems.empty()) {
    for (const Status& problem : pack.problems) std::fprintf(stderr, "%s\n", problem.message().c_str());
    std::fprintf(stderr, "auditstream: %zu problem(s) in the rules; not starting\n", pack.problems.size());
    return 1;
  }
  ServiceOptions options;
  options.stage = stage;
  return runService(std::move(config).value(), std::move(pack), std::move(options));
}

}  // namespace auditstream
