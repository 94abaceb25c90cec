#include "consumer/service_metrics.h"

#include <chrono>
#include <mutex>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "consumer/http_endpoint.h"

namespace auditstream {
namespace {

using CounterFamily = prometheus::Family<prometheus::Counter>;
using GaugeFamily = prometheus::Family<prometheus::Gauge>;

// /healthz fails when the loop that publishes metrics (once a second) has been silent this long: a
// revoke's drain or a reload's compile take seconds, not minutes.
constexpr auto kLoopStallLimit = std::chrono::seconds(90);

// One gauge per correlation task (label: its signals partition): set for the tasks in `values`, removed
// for those that moved away.
void setPerTask(GaugeFamily& family, std::map<std::int32_t, prometheus::Gauge*>& gauges,
                const std::map<std::int32_t, double>& values) {
  for (auto it = gauges.begin(); it != gauges.end();) {
    if (values.contains(it->first)) {
      ++it;
      continue;
    }
    family.Remove(it->second);
    it = gauges.erase(it);
  }
  for (const auto& [partition, value] : values) {
    prometheus::Gauge*& gauge = gauges[partition];
    if (gauge == nullptr) gauge = &family.Add({{"partition", std::to_string(partition)}});
    gauge->Set(value);
  }
}

}  // namespace

struct ServiceMetrics::Handles {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Counter* messages = nullptr;
  prometheus::Counter* events = nullptr;
  std::vector<prometheus::Counter*> rejects;  // by RejectReason
  CounterFamily* ruleMatches = nullptr;
  CounterFamily* alertsByRule = nullptr;
  std::map<std::pair<std::string, std::string>, prometheus::Counter*> matchesOf;
  std::map<std::pair<std::string, std::string>, prometheus::Counter*> alertsOf;
  prometheus::Counter* signals = nullptr;
  prometheus::Counter* late = nullptr;
  prometheus::Counter* evictions = nullptr;
  prometheus::Counter* correlationsFired = nullptr;
  prometheus::Gauge* liveKeys = nullptr;
  prometheus::Gauge* idlePartitions = nullptr;
  prometheus::Counter* alertsRouted = nullptr;
  prometheus::Counter* alertsRepeated = nullptr;
  prometheus::Counter* alertsThrottled = nullptr;
  prometheus::Counter* alertsFailed = nullptr;
  prometheus::Counter* alertsRejected = nullptr;
  prometheus::Gauge* oldestUnacknowledged = nullptr;
  prometheus::Gauge* sinksDelivering = nullptr;
  CounterFamily* sinkDeliveries = nullptr;
  CounterFamily* sinkRetries = nullptr;
  std::map<std::string, std::array<prometheus::Counter*, 4>> sinkCounters;  // delivered, failed, dropped, retries
  prometheus::Counter* deadLetters = nullptr;
  prometheus::Counter* deadLetterFailures = nullptr;
  prometheus::Counter* commits = nullptr;
  prometheus::Counter* pauses = nullptr;
  prometheus::Counter* reloadsOk = nullptr;
  prometheus::Counter* reloadsFailed = nullptr;
  prometheus::Gauge* inFlight = nullptr;
  prometheus::Gauge* assigned = nullptr;
  prometheus::Gauge* rulesLoaded = nullptr;
  prometheus::Gauge* correlationsLoaded = nullptr;
  prometheus::Gauge* ready = nullptr;
  prometheus::Counter* signalRecords = nullptr;
  prometheus::Counter* progressRecords = nullptr;
  prometheus::Counter* signalBytes = nullptr;
  prometheus::Counter* signalsDelivered = nullptr;
  prometheus::Gauge* signalsRetrying = nullptr;
  prometheus::Counter* taskRecords = nullptr;
  prometheus::Counter* taskSignals = nullptr;
  prometheus::Counter* taskCopies = nullptr;
  prometheus::Counter* taskBadRecords = nullptr;
  prometheus::Counter* rebuildRecords = nullptr;
  prometheus::Counter* rebuildAlerts = nullptr;
  prometheus::Counter* taskRereads = nullptr;
  prometheus::Counter* checkpoints = nullptr;
  prometheus::Counter* stateRecords = nullptr;
  prometheus::Counter* stateTombstones = nullptr;
  prometheus::Counter* stateBytes = nullptr;
  prometheus::Gauge* stateRetrying = nullptr;
  prometheus::Counter* restoreRecords = nullptr;
  prometheus::Counter* restoredKeys = nullptr;
  prometheus::Counter* droppedKeys = nullptr;
  prometheus::Counter* badState = nullptr;
  prometheus::Counter* knownValueEvictions = nullptr;
  prometheus::Gauge* tasksOwned = nullptr;
  GaugeFamily* taskWatermark = nullptr;
  std::map<std::int32_t, prometheus::Gauge*> watermarkOf;
  GaugeFamily* taskLiveKeys = nullptr;
  std::map<std::int32_t, prometheus::Gauge*> liveKeysOf;
  prometheus::Histogram* latency = nullptr;
  prometheus::Counter* transactionsCommitted = nullptr;
  prometheus::Counter* transactionsAborted = nullptr;
  prometheus::Histogram* transactionCommit = nullptr;
  GaugeFamily* lag = nullptr;
  std::map<std::pair<std::string, std::int32_t>, prometheus::Gauge*> lagByPartition;
  // What was already added to each counter (our totals restart from zero after a reload).
  std::map<const prometheus::Counter*, double> published;
  std::mutex readinessMutex;
  bool isReady = false;
  std::string notReadyBecause = "starting";
  std::string notHealthyBecause;  // under readinessMutex; empty: healthy
  std::chrono::steady_clock::time_point lastPublish = std::chrono::steady_clock::now();  // under readinessMutex
  std::unique_ptr<HttpEndpoint> endpoint;  // last: stops serving before the handles go

  void advance(prometheus::Counter* counter, std::uint64_t totalCount) {
    const auto total = static_cast<double>(totalCount);
    double& seen = published[counter];
    if (total < seen) seen = 0;  // a new pipeline after a reload: count from its start
    counter->Increment(total - seen);
    seen = total;
  }

  EndpointResponse serve(std::string_view path) {
    if (path == "/metrics") {
      return {200, "text/plain; version=0.0.4; charset=utf-8",
              prometheus::TextSerializer().Serialize(registry->Collect())};
    }
    if (path == "/healthz") {
      std::lock_guard lock(readinessMutex);
      const auto silent = std::chrono::steady_clock::now() - lastPublish;
      if (silent > kLoopStallLimit) {
        return {503, "text/plain; charset=utf-8",
                "unhealthy: the pipeline's loop has not run for " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(silent).count()) + " s\n"};
      }
      if (!notHealthyBecause.empty())
        return {503, "text/plain; charset=utf-8", "unhealthy: " + notHealthyBecause + "\n"};
      return {200, "text/plain; charset=utf-8", "ok\n"};
    }
    if (path == "/readyz") {
      std::lock_guard lock(readinessMutex);
      if (isReady) return {200, "text/plain; charset=utf-8", "ready\n"};
      return {503, "text/plain; charset=utf-8", "not ready: " + notReadyBecause + "\n"};
    }
    return {404, "text/plain; charset=utf-8", "not found; try /metrics, /healthz or /readyz\n"};
  }
};

Result<std::unique_ptr<ServiceMetrics>> ServiceMetrics::create(const std::string& address) {
  auto handles = std::make_unique<Handles>();
  prometheus::Registry& r = *handles->registry;
  const auto counters = [&](const std::string& name, const std::string& help) -> CounterFamily& {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
  };
  const auto gauge = [&](const std::string& name, const std::string& help) -> prometheus::Gauge& {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
  };
  Handles& h = *handles;
  h.messages = &counters("auditstream_messages_total", "Kafka messages consumed").Add({});
  h.events = &counters("auditstream_events_total", "Audit events parsed").Add({});
  auto& rejected = counters("auditstream_rejected_total", "Messages or items rejected, by reason");
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    h.rejects.push_back(&rejected.Add({{"reason", std::string(rejectReasonName(static_cast<RejectReason>(i)))}}));
  }
  h.ruleMatches = &counters("auditstream_rule_matches_total", "Events matched, by rule and level");
  h.alertsByRule = &counters("auditstream_alerts_by_rule_total", "Alerts routed, by rule and level");
  h.signals = &counters("auditstream_correlation_signals_total", "Base-rule matches fed to correlations").Add({});
  h.late = &counters("auditstream_late_events_total", "Signals older than the watermark (still applied)").Add({});
  h.evictions = &counters("auditstream_window_evictions_total", "Correlation keys evicted by the cap").Add({});
  h.correlationsFired = &counters("auditstream_correlations_fired_total", "Correlation alerts").Add({});
  h.alertsRouted = &counters("auditstream_alerts_total", "Alerts handed to the router").Add({});
  h.alertsRepeated =
      &counters("auditstream_alerts_repeated_total", "Alerts folded: their id was routed recently").Add({});
  h.alertsThrottled = &counters("auditstream_alerts_throttled_total", "Alert deliveries folded by throttling").Add({});
  h.alertsFailed =
      &counters("auditstream_alerts_failed_total", "Alerts a durable sink did not deliver before it stopped").Add({});
  h.alertsRejected =
      &counters("auditstream_alerts_rejected_total", "Alerts a durable sink's destination refused for good").Add({});
  h.oldestUnacknowledged = &gauge("auditstream_oldest_unacknowledged_alert_age_seconds",
                                  "How long the oldest alert waiting for the durable sinks has waited (0: none)");
  h.sinksDelivering =
      &gauge("auditstream_sinks_delivering", "1 while every durable sink delivers, 0 while one retries");
  h.sinkDeliveries = &counters("auditstream_sink_deliveries_total", "Alerts per sink, by outcome");
  h.sinkRetries = &counters("auditstream_sink_retries_total", "Retried sends per sink");
  h.deadLetters =
      &counters("auditstream_dead_letters_total", "Rejected messages written to the dead-letter topic").Add({});
  h.deadLetterFailures = &counters("auditstream_dead_letter_failures_total",
                                   "Dead letters the broker can never take (too large, invalid): settled without one")
                              .Add({});
  h.commits = &counters("auditstream_offsets_committed_total", "Partition offsets committed").Add({});
  h.pauses = &counters("auditstream_backpressure_pauses_total", "Times consumption paused for acks").Add({});
  auto& reloads = counters("auditstream_rule_reloads_total", "SIGHUP rule reloads, by result");
  h.reloadsOk = &reloads.Add({{"result", "ok"}});
  h.reloadsFailed = &reloads.Add({{"result", "rejected"}});
  h.liveKeys = &gauge("auditstream_window_live_keys", "Live correlation keys");
  h.idlePartitions = &gauge("auditstream_idle_partitions", "Partitions not holding the watermark back");
  h.inFlight = &gauge("auditstream_messages_in_flight", "Messages whose effects are not yet done");
  h.assigned = &gauge("auditstream_assigned_partitions", "Partitions assigned to this member");
  h.rulesLoaded = &gauge("auditstream_rules_loaded", "Detection rules loaded");
  h.correlationsLoaded = &gauge("auditstream_correlations_loaded", "Correlation rules loaded");
  h.ready = &gauge("auditstream_ready", "1 when /readyz answers 200");
  auto& written = counters("auditstream_signals_written_total", "Records written to the signals topic, by kind");
  h.signalRecords = &written.Add({{"kind", "signal"}});
  h.progressRecords = &written.Add({{"kind", "progress"}});
  h.signalBytes =
      &counters("auditstream_signals_written_bytes_total", "Record bytes written to the signals topic").Add({});
  h.signalsDelivered =
      &counters("auditstream_signals_delivered_total", "Signals-topic records the broker acknowledged").Add({});
  h.signalsRetrying = &gauge("auditstream_signals_retrying", "Signals-topic records waiting for a re-send");
  auto& read = counters("auditstream_correlation_task_records_total",
                        "Signals-topic records this member's correlation tasks read, by outcome");
  h.taskRecords = &read.Add({{"outcome", "read"}});
  h.taskSignals = &read.Add({{"outcome", "applied"}});
  h.taskCopies = &read.Add({{"outcome", "copy_dropped"}});
  h.taskBadRecords = &read.Add({{"outcome", "unreadable"}});
  h.rebuildRecords = &read.Add({{"outcome", "rebuild"}});
  h.taskRereads = &read.Add({{"outcome", "restore_reread"}});
  h.checkpoints = &counters("auditstream_state_checkpoints_total", "Correlation-task checkpoints taken").Add({});
  auto& stateWritten =
      counters("auditstream_state_records_written_total", "Records written to the state changelog, by kind");
  h.stateRecords = &stateWritten.Add({{"kind", "all"}});
  h.stateTombstones = &stateWritten.Add({{"kind", "tombstone"}});
  h.stateBytes =
      &counters("auditstream_state_written_bytes_total", "Key and value bytes written to the state changelog").Add({});
  h.stateRetrying = &gauge("auditstream_state_retrying", "State-changelog records waiting for a re-send");
  h.restoreRecords =
      &counters("auditstream_state_restore_records_total", "State-changelog records read to restore tasks").Add({});
  h.restoredKeys =
      &counters("auditstream_state_restored_keys_total", "Correlation keys restored from the changelog").Add({});
  h.droppedKeys = &counters("auditstream_state_dropped_keys_total",
                            "Correlation keys dropped because their correlation changed or is gone (restore, reload)")
                       .Add({});
  h.badState = &counters("auditstream_state_unreadable_total", "Restored key states that could not be read").Add({});
  h.knownValueEvictions = &counters("auditstream_first_seen_evictions_total",
                                    "first_seen values forgotten by the per-key cap (max_known_values)")
                               .Add({});
  h.rebuildAlerts = &counters("auditstream_correlation_rebuild_alerts_dropped_total",
                              "Alerts fired while a task rebuilt its windows (its previous owner routed them)")
                         .Add({});
  h.tasksOwned = &gauge("auditstream_correlation_tasks", "Correlation tasks (signals partitions) this member owns");
  h.taskWatermark = &prometheus::BuildGauge()
                         .Name("auditstream_correlation_task_watermark_seconds")
                         .Help("Event time (Unix seconds) through which a correlation task has applied its signals")
                         .Register(r);
  h.taskLiveKeys = &prometheus::BuildGauge()
                        .Name("auditstream_correlation_task_live_keys")
                        .Help("Live correlation keys (group keys with window state) of a correlation task")
                        .Register(r);
  h.lag = &prometheus::BuildGauge()
               .Name("auditstream_consumer_lag")
               .Help("Messages behind the partition's high watermark")
               .Register(r);
  h.latency = &prometheus::BuildHistogram()
                   .Name("auditstream_detection_latency_seconds")
                   .Help("Event time of an alert's last event to the alert's handoff to the sinks")
                   .Register(r)
                   .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 7.5,
                                                                    10, 30, 60, 300, 3600});
  auto& transactions = counters("auditstream_transactions_total",
                                "Kafka transactions of delivery: exactly_once, by outcome (aborted: read again)");
  h.transactionsCommitted = &transactions.Add({{"outcome", "committed"}});
  h.transactionsAborted = &transactions.Add({{"outcome", "aborted"}});
  h.transactionCommit =
      &prometheus::BuildHistogram()
           .Name("auditstream_transaction_commit_seconds")
           .Help("Sending a transaction's offsets and committing it (exactly_once)")
           .Register(r)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5});
  Handles* raw = handles.get();
  if (!address.empty()) {
    ASSIGN_OR_RETURN(h.endpoint,
                     HttpEndpoint::start(address, [raw](std::string_view path) { return raw->serve(path); }));
  }
  return std::unique_ptr<ServiceMetrics>(new ServiceMetrics(std::move(handles)));
}

ServiceMetrics::ServiceMetrics(std::unique_ptr<Handles> handles) : handles_(std::move(handles)) {}
ServiceMetrics::~ServiceMetrics() = default;

int ServiceMetrics::port() const { return handles_->endpoint ? handles_->endpoint->port() : 0; }

void ServiceMetrics::setConsumerLag(const std::string& topic, std::int32_t partition, std::int64_t lag) {
  auto& gauge = handles_->lagByPartition[{topic, partition}];
  if (gauge == nullptr) gauge = &handles_->lag->Add({{"topic", topic}, {"partition", std::to_string(partition)}});
  gauge->Set(static_cast<double>(lag));
}

void ServiceMetrics::forgetConsumerLag(const std::string& topic, std::int32_t partition) {
  const auto found = handles_->lagByPartition.find({topic, partition});
  if (found == handles_->lagByPartition.end()) return;
  handles_->lag->Remove(found->second);
  handles_->lagByPartition.erase(found);
}

void ServiceMetrics::setReadiness(bool ready, const std::string& why) {
  handles_->ready->Set(ready ? 1 : 0);
  std::lock_guard lock(handles_->readinessMutex);
  handles_->isReady = ready;
  handles_->notReadyBecause = why;
}

void ServiceMetrics::setHealth(const std::string& problem) {
  std::lock_guard lock(handles_->readinessMutex);
  handles_->notHealthyBecause = problem;
  handles_->lastPublish = std::chrono::steady_clock::now();
}

void ServiceMetrics::observeDetectionLatency(double seconds) { handles_->latency->Observe(seconds); }

void ServiceMetrics::observeTransactionCommit(double seconds) { handles_->transactionCommit->Observe(seconds); }

void ServiceMetrics::countReload(bool succeeded) {
  (succeeded ? handles_->reloadsOk : handles_->reloadsFailed)->Increment();
}

void ServiceMetrics::publish(const RuleSet& rules, const ServiceTotals& totals) {
  Handles& h = *handles_;
  const ProcessCounters& processing = totals.processing;
  h.advance(h.messages, processing.messages);
  h.advance(h.events, processing.events);
  for (std::size_t i = 0; i < h.rejects.size(); ++i) h.advance(h.rejects[i], processing.rejects[i]);
  for (std::size_t i = 0; i < rules.size() && i < processing.hitsByRule.size(); ++i) {
    const std::pair<std::string, std::string> key{rules.rule(i).id, rules.rule(i).level};
    prometheus::Counter*& counter = h.matchesOf[key];
    if (counter == nullptr) counter = &h.ruleMatches->Add({{"rule_id", key.first}, {"level", key.second}});
    h.advance(counter, processing.hitsByRule[i]);
  }
  for (const auto& [key, count] : totals.alertsByRule) {
    prometheus::Counter*& counter = h.alertsOf[key];
    if (counter == nullptr) counter = &h.alertsByRule->Add({{"rule_id", key.first}, {"level", key.second}});
    h.advance(counter, count);
  }
  const CorrelationCounters& correlations = totals.correlations;
  h.advance(h.signals, correlations.signals);
  h.advance(h.late, correlations.late);
  h.advance(h.evictions, correlations.evictions);
  h.advance(h.correlationsFired, correlations.fired);
  h.liveKeys->Set(static_cast<double>(correlations.liveKeys));
  h.idlePartitions->Set(static_cast<double>(correlations.idlePartitions));
  if (totals.router != nullptr) {
    h.advance(h.alertsRouted, totals.router->routed.load());
    h.advance(h.alertsRepeated, totals.router->repeats.load());
    h.advance(h.alertsThrottled, totals.router->throttled.load());
    h.advance(h.alertsFailed, totals.router->failed.load());
    h.advance(h.alertsRejected, totals.router->rejected.load());
  }
  h.oldestUnacknowledged->Set(totals.oldestUnacknowledgedSeconds);
  h.sinksDelivering->Set(totals.sinksDelivering ? 1 : 0);
  for (const SinkCounts& sink : totals.sinks) {
    auto& handles = h.sinkCounters[sink.sink];
    if (handles[0] == nullptr) {
      handles[0] = &h.sinkDeliveries->Add({{"sink", sink.sink}, {"outcome", "delivered"}});
      handles[1] = &h.sinkDeliveries->Add({{"sink", sink.sink}, {"outcome", "failed"}});
      handles[2] = &h.sinkDeliveries->Add({{"sink", sink.sink}, {"outcome", "dropped"}});
      handles[3] = &h.sinkRetries->Add({{"sink", sink.sink}});
    }
    h.advance(handles[0], sink.delivered);
    h.advance(handles[1], sink.failed);
    h.advance(handles[2], sink.dropped);
    h.advance(handles[3], sink.retries);
  }
  h.advance(h.deadLetters, totals.deadLetters);
  h.advance(h.deadLetterFailures, totals.deadLetterFailures);
  h.advance(h.commits, totals.committedOffsets);
  h.advance(h.pauses, totals.pauses);
  h.inFlight->Set(static_cast<double>(totals.inFlightMessages));
  h.assigned->Set(static_cast<double>(totals.assignedPartitions));
  h.rulesLoaded->Set(static_cast<double>(totals.rulesLoaded));
  h.correlationsLoaded->Set(static_cast<double>(totals.correlationsLoaded));
  publishSignals(totals);
}

void ServiceMetrics::publishSignals(const ServiceTotals& totals) {
  Handles& h = *handles_;
  h.advance(h.signalRecords, totals.published.signals);
  h.advance(h.progressRecords, totals.published.progress);
  h.advance(h.signalBytes, totals.published.bytes);
  h.advance(h.signalsDelivered, totals.signalsDelivered);
  h.signalsRetrying->Set(static_cast<double>(totals.signalsRetrying));
  h.advance(h.taskRecords, totals.tasks.records);
  h.advance(h.taskSignals, totals.tasks.signals);
  h.advance(h.taskCopies, totals.tasks.copies);
  h.advance(h.taskBadRecords, totals.tasks.badRecords);
  h.advance(h.rebuildRecords, totals.tasks.rebuildRecords);
  h.advance(h.rebuildAlerts, totals.tasks.rebuildAlerts);
  h.advance(h.taskRereads, totals.tasks.rereadRecords);
  h.advance(h.checkpoints, totals.tasks.checkpoints);
  h.advance(h.stateRecords, totals.changelog.records);
  h.advance(h.stateTombstones, totals.changelog.tombstones);
  h.advance(h.stateBytes, totals.changelog.bytes);
  h.stateRetrying->Set(static_cast<double>(totals.changelogRetrying));
  h.advance(h.restoreRecords, totals.restoreRecords);
  h.advance(h.transactionsCommitted, totals.transactions.committed);
  h.advance(h.transactionsAborted, totals.transactions.aborted);
  h.advance(h.restoredKeys, totals.tasks.restoredKeys);
  h.advance(h.droppedKeys, totals.tasks.droppedKeys);
  h.advance(h.badState, totals.correlations.badState);
  h.advance(h.knownValueEvictions, totals.correlations.knownValueEvictions);
  h.tasksOwned->Set(static_cast<double>(totals.tasksOwned));
  std::map<std::int32_t, double> watermarks;
  for (const auto& [partition, nanos] : totals.taskWatermarks) {
    if (nanos > 0) watermarks[partition] = static_cast<double>(nanos) / 1e9;  // (none: nothing applied yet)
  }
  setPerTask(*h.taskWatermark, h.watermarkOf, watermarks);
  std::map<std::int32_t, double> liveKeys;
  for (const auto& [partition, keys] : totals.taskLiveKeys) liveKeys[partition] = static_cast<double>(keys);
  setPerTask(*h.taskLiveKeys, h.liveKeysOf, liveKeys);
}

}  // namespace auditstream
