#include "consumer/service.h"

#include <cstdio>
#include <set>
#include <thread>

#include "config/rule_files_watch.h"
#include "consumer/dead_letter_producer.h"
#include "consumer/kafka_source.h"
#include "consumer/latency_at_commit.h"
#include "consumer/output_topics.h"
#include "consumer/pipeline.h"
#include "consumer/process_signals.h"
#include "consumer/progress_line.h"
#include "consumer/service_metrics.h"
#include "consumer/service_sinks.h"
#include "consumer/signal_publisher.h"
#include "consumer/state_changelog.h"
#include "consumer/transactional_producer.h"
#include "engine/event_processor.h"
#include "sinks/alert_router.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kStartupCheckBound = std::chrono::seconds(5);
constexpr auto kPublishEvery = std::chrono::seconds(1);
constexpr auto kSignalsRetentionFloor = std::chrono::hours(24);
constexpr auto kRulesCheckEvery = std::chrono::seconds(2);
constexpr auto kTransactionsInitBound = std::chrono::seconds(30);  // a fresh broker loads its coordinator

// How far back a correlation task re-reads its signals partition to rebuild its windows: the longest
// window, the allowed lateness and the idle timeout, and a minute's margin. first_seen's history spans
// days and is not rebuilt (its learning starts again: the durable-state issue).
std::chrono::milliseconds rebuildWindowOf(const CorrelationSet& correlations, const ServiceConfig& config) {
  std::int64_t longest = 0;
  for (std::uint32_t i = 0; i < correlations.size(); ++i) {
    const CorrelationSpec& spec = correlations.at(i).spec;
    if (spec.type != CorrelationType::kFirstSeen) longest = std::max(longest, spec.timespanNanos);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(longest) +
                                                               config.allowedLateness + config.idleTimeout) +
         std::chrono::minutes(1);
}

class Service {
 public:
  Service(ServiceConfig config, RulePack pack, ServiceOptions options)
      : config_(std::move(config)), pack_(std::move(pack)), options_(std::move(options)) {
    if (!options_.stopRequested) options_.stopRequested = [] { return ProcessSignals::stopRequested(); };
  }

  int run() {
    if (Status status = start(); !status.isOk()) {
      log_.error(status.message());
      return 1;
    }
    log_.info("consuming", {{"topics", config_.topics.empty() ? config_.topicPattern : config_.topics.front()},
                            {"group", config_.kafka.at("group.id")},
                            {"workers", pipeline_->workers()},
                            {"rules", pack_.rules->size()},
                            {"correlations", pack_.correlations->size()}});
    started_ = SteadyClock::now();
    auto lastPublish = started_;
    auto lastProgress = started_;
    auto lastRulesCheck = started_;
    while (!options_.stopRequested()) {
      if (ProcessSignals::takeReloadRequest()) reload();
      if (SteadyClock::now() - lastRulesCheck > kRulesCheckEvery) {
        lastRulesCheck = SteadyClock::now();
        if (ruleFiles_.changed()) {
          log_.info("rule files changed on disk: reloading");
          reload();
        }
      }
      pipeline_->step();
      if (!pipeline_->fatal().empty()) {
        log_.error("stopping: this member can no longer commit", {{"error", pipeline_->fatal()}});
        return 1;
      }
      const auto now = SteadyClock::now();
      if (now - lastPublish > kPublishEvery) {
        lastPublish = now;
        publishMetrics();
      }
      if (now - lastProgress >= options_.progressEvery) {
        lastProgress = now;
        printProgress();
      }
    }
    log_.info("stopping: draining workers, closing windows, flushing sinks, committing");
    pipeline_->stop();
    printProgress();
    return 0;
  }

 private:
  // delivery: exactly_once — the member's one producer: every output below writes through it.
  Status startTransactions() {
    ASSIGN_OR_RETURN(transactions_, TransactionalProducer::create(config_.kafka, config_.transactionalId,
                                                                  kTransactionsInitBound, log_.child("transactions")));
    log_.info("exactly-once delivery: outputs and offsets commit in Kafka transactions",
              {{"transactional_id", config_.transactionalId}, {"interval_ms", config_.transactionInterval.count()}});
    return Status::ok();
  }

  // The producer a durable output writes through: the member's transactional one, or one of its own.
  Result<std::unique_ptr<DurableProducer>> outputProducer(const std::string& topic, const std::string& what,
                                                          const std::string& thread, const std::string& logName) {
    if (transactions_)
      return DurableProducer::overTransaction(transactions_->handle(), topic, what, log_.child(logName));
    // Many small records: batched and compressed like the alerts (the broker's cost is per batch; an
    // input offset waits for them anyway, 20 ms more is nothing). The config's kafka keys win.
    KafkaProperties properties = config_.kafka;
    properties.try_emplace("linger.ms", "20");
    properties.try_emplace("compression.type", "lz4");
    properties.try_emplace("batch.size", "1000000");
    return DurableProducer::create(std::move(properties), topic, what, thread, log_.child(logName));
  }

  Status start() {
    RETURN_IF_ERROR(checkOutputTopics(config_, kStartupCheckBound));
    if (config_.delivery == ServiceConfig::Delivery::kExactlyOnce) RETURN_IF_ERROR(startTransactions());
    const std::chrono::milliseconds rebuildWindow = rebuildWindowOf(*pack_.correlations, config_);
    if (!config_.signalsTopicInUse().empty()) {
      const auto retention = std::max<std::chrono::milliseconds>(kSignalsRetentionFloor, 2 * rebuildWindow);
      ASSIGN_OR_RETURN(const int partitions, prepareSignalsTopic(config_, retention, kStartupCheckBound));
      ASSIGN_OR_RETURN(auto producer, outputProducer(config_.signalsTopic, "signal", "as-signals", "signals"));
      signals_ = std::make_unique<SignalPublisher>(std::move(producer), partitions, pack_.correlations, clock_,
                                                   config_.idleTimeout);
      if (!config_.stateTopicInUse().empty()) {
        RETURN_IF_ERROR(prepareStateTopic(config_, partitions, kStartupCheckBound));
        ASSIGN_OR_RETURN(auto changelogProducer,
                         outputProducer(config_.stateTopic, "state record", "as-state", "state"));
        changelog_ = std::make_unique<StateChangelog>(std::move(changelogProducer));
        log_.info(
            "correlation state is checkpointed",
            {{"state_topic", config_.stateTopic}, {"checkpoint_interval_ms", config_.checkpointInterval.count()}});
      }
      log_.info("correlations run across the group", {{"signals_topic", config_.signalsTopic},
                                                      {"partitions", partitions},
                                                      {"rebuild_window_s", rebuildWindow.count() / 1000}});
    }
    ASSIGN_OR_RETURN(metrics_, ServiceMetrics::create(config_.metricsAddress));
    ASSIGN_OR_RETURN(ServiceSinks sinks, makeServiceSinks(config_, clock_, options_.extraSinks, log_,
                                                          transactions_ ? transactions_->handle() : nullptr));
    sinkCounts_ = std::move(sinks.counts);
    ASSIGN_OR_RETURN(router_, AlertRouter::create(std::move(sinks.all), sinks.routes));
    if (!config_.deadLetterTopic.empty() && transactions_) {
      ASSIGN_OR_RETURN(auto producer, outputProducer(config_.deadLetterTopic, "dead letter", "", "dead-letters"));
      deadLetters_ = std::make_unique<DeadLetterProducer>(std::move(producer));
    } else if (!config_.deadLetterTopic.empty()) {
      ASSIGN_OR_RETURN(deadLetters_,
                       DeadLetterProducer::create(config_.kafka, config_.deadLetterTopic, log_.child("dead-letters")));
    }
    ASSIGN_OR_RETURN(std::vector<std::unique_ptr<EventProcessor>> processors, makeProcessors());
    ASSIGN_OR_RETURN(source_, KafkaSource::subscribe(config_, log_.child("source"), rebuildWindow));
    if (transactions_) {
      source_->commitThrough(transactions_.get());
      transactions_->onCommit([this](double seconds) {
        metrics_->observeTransactionCommit(seconds);
        for (const double latency : latencyAtCommit_.committed()) metrics_->observeDetectionLatency(latency);
      });
      transactions_->onAbort([this] { latencyAtCommit_.aborted(); });
    }
    source_->onRestoring([this](bool restoring) {
      if (restoring) metrics_->setReadiness(false, "restoring correlation state from " + config_.stateTopic);
    });
    PipelineOptions options;
    options.identity = config_.cluster;
    options.stage = options_.stage;
    options.correlation.allowedLatenessNanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(config_.allowedLateness).count();
    options.correlation.maxKeysPerCorrelation = config_.maxKeysPerCorrelation;
    options.correlation.maxKnownValuesPerKey = config_.maxKnownValues;
    options.correlation.idleTimeout = config_.idleTimeout;
    options.maxCommitHold = config_.maxCommitHold;
    options.queueMessages = config_.queueMessages;
    if (transactions_) {  // visible to read_committed consumers at the commit
      options.deliveredLatency = [this](double seconds) { latencyAtCommit_.acknowledged(seconds); };
    } else {
      options.deliveredLatency = [metrics = metrics_.get()](double seconds) {
        metrics->observeDetectionLatency(seconds);
      };
    }
    options.log = log_;
    options.signalPublisher = signals_.get();
    options.changelog = changelog_.get();
    options.checkpointEvery = config_.checkpointInterval;
    options.closeWindowsAtStop = options_.inputEndsAtStop;
    if (transactions_) {
      options.exactlyOnce = true;
      options.transactionInterval = config_.transactionInterval;
      options.flushOutputs = [producer = transactions_.get()](std::chrono::milliseconds bound) {
        return producer->flush(bound);
      };
    }
    pipeline_ = std::make_unique<Pipeline>(*source_, *router_, deadLetters_.get(), std::move(processors),
                                           pack_.correlations, std::move(options), clock_);
    ProcessSignals::install();
    return Status::ok();
  }

  Result<std::vector<std::unique_ptr<EventProcessor>>> makeProcessors() const {
    EnvelopeOptions envelope;
    envelope.stringPaths = config_.envelopePaths;
    envelope.maxMessageBytes = config_.maxMessageBytes;
    const unsigned count = config_.workers > 0 ? config_.workers : std::max(1U, std::thread::hardware_concurrency());
    std::vector<std::unique_ptr<EventProcessor>> processors;
    for (unsigned i = 0; i < count; ++i) {
      ASSIGN_OR_RETURN(std::unique_ptr<EventProcessor> processor,
                       EventProcessor::create(pack_.rules, envelope, pack_.correlations));
      processors.push_back(std::move(processor));
    }
    return processors;
  }

  void reload() {
    RulePack pack = loadRulePack(config_.rules);
    if (!pack.problems.empty()) {
      log_.error("reload rejected, keeping the loaded rules",
                 {{"rules", pack_.rules->size()}, {"problems", pack.problems.size()}});
      for (const Status& problem : pack.problems) log_.error(problem.message());
      metrics_->countReload(false);
      return;
    }
    std::swap(pack_, pack);
    Result<std::vector<std::unique_ptr<EventProcessor>>> processors = makeProcessors();
    if (!processors) {
      std::swap(pack_, pack);
      log_.error("reload rejected, keeping the loaded rules: " + processors.status().message());
      metrics_->countReload(false);
      return;
    }
    pipeline_->replaceRules(std::move(processors).value(), pack_.correlations);
    metrics_->countReload(true);
    log_.info("reloaded", {{"rules", pack_.rules->size()}, {"correlations", pack_.correlations->size()}});
  }

  ServiceTotals totals() const {
    const PipelineTotals pipeline = pipeline_->totals();
    ServiceTotals totals;
    totals.processing = pipeline.processing;
    totals.correlations = pipeline.correlations;
    totals.router = &router_->stats();
    totals.alertsByRule = pipeline.alertsByRule;
    for (const auto& counts : sinkCounts_) totals.sinks.push_back(counts());
    if (deadLetters_) {
      totals.deadLetters = deadLetters_->delivered();
      totals.deadLetterFailures = deadLetters_->failed();
    }
    totals.committedOffsets = pipeline.committedOffsets;
    totals.pauses = pipeline.pauses;
    totals.inFlightMessages = pipeline.inFlightMessages;
    totals.assignedPartitions = source_->status().assignedStreams;
    totals.rulesLoaded = pack_.rules->size();
    totals.correlationsLoaded = pack_.correlations->size();
    totals.oldestUnacknowledgedSeconds = std::chrono::duration<double>(router_->oldestUnacknowledged()).count();
    totals.sinksDelivering = router_->health().delivering;
    totals.published = pipeline.published;
    if (signals_) {
      totals.signalsDelivered = signals_->producer().delivered();
      totals.signalsRetrying = signals_->producer().retrying();
    }
    totals.tasks = pipeline.tasks;
    totals.tasksOwned = pipeline.tasksOwned;
    totals.taskWatermarks = pipeline.taskWatermarks;
    totals.taskLiveKeys = pipeline.taskLiveKeys;
    totals.changelog = pipeline.changelog;
    if (changelog_) totals.changelogRetrying = changelog_->producer().retrying();
    totals.restoreRecords = source_->restoreRecords();
    if (transactions_) totals.transactions = transactions_->counters();
    return totals;
  }

  void publishLag() {
    std::set<PartitionKey> seen;
    for (const auto& [key, lag] : source_->lagByPartition()) {
      metrics_->setConsumerLag(key.first, key.second, lag);
      seen.insert(key);
    }
    for (const PartitionKey& key : publishedLag_) {
      if (!seen.contains(key)) metrics_->forgetConsumerLag(key.first, key.second);
    }
    publishedLag_ = std::move(seen);
  }

  void publishMetrics() {
    metrics_->publish(*pack_.rules, totals());
    metrics_->setHealth(pipeline_->threadProblems());
    publishLag();
    const SourceStatus source = source_->status();
    Readiness readiness{source.ready, source.notReadyBecause};
    if (const SinkHealth sinks = router_->health(); !sinks.delivering) {
      readiness = {false, "alerts are not being delivered: " + sinks.problem};
    }
    metrics_->setReadiness(readiness.ready, readiness.why);
  }

  void printProgress() {
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - started_).count();
    log_.info(progressLine(totals(), seconds, pipeline_->totals().alertsByLevel, source_->status().lag));
  }

  // Declaration order is destruction order reversed: the sinks and the dead-letter producer (whose acks
  // settle the pipeline's messages) go first, then the pipeline, then the source it polls.
  ServiceConfig config_;
  RulePack pack_;
  ServiceOptions options_;
  Logger log_ = options_.log;
  SystemClock clock_;
  std::unique_ptr<ServiceMetrics> metrics_;
  LatencyAtCommit latencyAtCommit_;  // exactly_once: detection latency is measured to the commit
  std::set<PartitionKey> publishedLag_;
  SteadyClock::time_point started_;
  RuleFilesWatch ruleFiles_{config_.rules};  // reloads like SIGHUP when the files change
  std::unique_ptr<KafkaSource> source_;
  std::unique_ptr<Pipeline> pipeline_;
  std::vector<std::function<SinkCounts()>> sinkCounts_;
  std::unique_ptr<SignalPublisher> signals_;   // its acks settle the pipeline's messages
  std::unique_ptr<StateChangelog> changelog_;  // likewise
  std::unique_ptr<DeadLetterProducer> deadLetters_;
  std::unique_ptr<AlertRouter> router_;
  // Last: gone first — its abort settles (and its poller stops serving) the reports of every writer above.
  std::unique_ptr<TransactionalProducer> transactions_;
};

}  // namespace

int runService(ServiceConfig config, RulePack pack, ServiceOptions options) {
  Service service(std::move(config), std::move(pack), std::move(options));
  return service.run();
}

int runService(const std::string& configPath, ServiceOptions options) {
  Result<ServiceConfig> config = loadServiceConfig(configPath);
  if (!config) {
    options.log.error(config.status().message());
    return 1;
  }
  RulePack pack = loadRulePack(config->rules);
  if (!pack.problems.empty()) {
    for (const Status& problem : pack.problems) options.log.error(problem.message());
    options.log.error("problems in the rules; not starting", {{"problems", pack.problems.size()}});
    return 1;
  }
  return runService(std::move(config).value(), std::move(pack), std::move(options));
}

}  // namespace auditstream
