#include "consumer/service_metrics.h"

#include <exception>
#include <map>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace auditstream {
namespace {

// Moves a Prometheus counter up to `total` (our counters only grow; a reload starts them again).
void advanceTo(prometheus::Counter& counter, double total, double& published) {
  if (total < published) published = 0;  // a new pipeline after a reload: count from its start
  counter.Increment(total - published);
  published = total;
}

}  // namespace

struct ServiceMetrics::Handles {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<prometheus::Exposer> exposer;
  prometheus::Counter* messages = nullptr;
  prometheus::Counter* events = nullptr;
  std::vector<prometheus::Counter*> rejects;      // by RejectReason
  std::vector<prometheus::Counter*> ruleMatches;  // by rule index
  prometheus::Counter* signals = nullptr;
  prometheus::Counter* late = nullptr;
  prometheus::Counter* evictions = nullptr;
  prometheus::Counter* correlationsFired = nullptr;
  prometheus::Gauge* liveKeys = nullptr;
  prometheus::Gauge* idlePartitions = nullptr;
  prometheus::Counter* alertsRouted = nullptr;
  prometheus::Counter* alertsThrottled = nullptr;
  prometheus::Counter* alertsFailed = nullptr;
  prometheus::Counter* commits = nullptr;
  prometheus::Gauge* inFlight = nullptr;
  prometheus::Family<prometheus::Gauge>* lag = nullptr;
  std::map<std::pair<std::string, std::int32_t>, prometheus::Gauge*> lagByPartition;
  // What was already added to each counter.
  std::map<const prometheus::Counter*, double> published;
  double& seen(const prometheus::Counter* counter) { return published[counter]; }
};

Result<std::unique_ptr<ServiceMetrics>> ServiceMetrics::create(const std::string& address, const RuleSet& rules) {
  auto handles = std::make_unique<Handles>();
  try {
    handles->exposer = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& error) {
    return unavailable("metrics address " + address + ": " + error.what());
  }
  prometheus::Registry& r = *handles->registry;
  const auto counters = [&](const std::string& name,
                            const std::string& help) -> prometheus::Family<prometheus::Counter>& {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
  };
  handles->messages = &counters("auditstream_messages_total", "Kafka messages consumed").Add({});
  handles->events = &counters("auditstream_events_total", "Audit events parsed").Add({});
  auto& rejected = counters("auditstream_rejected_total", "Messages or items rejected, by reason");
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    handles->rejects.push_back(
        &rejected.Add({{"reason", std::string(rejectReasonName(static_cast<RejectReason>(i)))}}));
  }
  auto& matches = counters("auditstream_rule_matches_total", "Events matched, by rule and level");
  for (std::size_t i = 0; i < rules.size(); ++i) {
    handles->ruleMatches.push_back(&matches.Add({{"rule_id", rules.rule(i).id}, {"level", rules.rule(i).level}}));
  }
  handles->signals =
      &counters("auditstream_correlation_signals_total", "Base-rule matches fed to correlations").Add({});
  handles->late =
      &counters("auditstream_late_events_total", "Signals older than the watermark (still applied)").Add({});
  handles->evictions = &counters("auditstream_window_evictions_total", "Correlation keys evicted by the cap").Add({});
  handles->correlationsFired = &counters("auditstream_correlations_fired_total", "Correlation alerts").Add({});
  handles->alertsRouted = &counters("auditstream_alerts_total", "Alerts handed to the router").Add({});
  handles->alertsThrottled =
      &counters("auditstream_alerts_throttled_total", "Alert deliveries folded by throttling").Add({});
  handles->alertsFailed = &counters("auditstream_alerts_failed_total", "Alerts a durable sink failed").Add({});
  handles->commits = &counters("auditstream_offsets_committed_total", "Partition offsets committed").Add({});
  const auto gauges = [&](const std::string& name, const std::string& help) -> prometheus::Family<prometheus::Gauge>& {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r);
  };
  handles->liveKeys = &gauges("auditstream_window_live_keys", "Live correlation keys").Add({});
  handles->idlePartitions = &gauges("auditstream_idle_partitions", "Partitions not holding the watermark back").Add({});
  handles->lag = &gauges("auditstream_consumer_lag", "Messages behind the partition's high watermark");
  handles->inFlight =
      &gauges("auditstream_messages_in_flight", "Messages whose effects are not yet acknowledged").Add({});
  handles->exposer->RegisterCollectable(handles->registry, "/metrics");
  handles->exposer->RegisterCollectable(handles->registry, "/healthz");
  return std::unique_ptr<ServiceMetrics>(new ServiceMetrics(std::move(handles)));
}

void ServiceMetrics::setConsumerLag(const std::string& topic, std::int32_t partition, std::int64_t lag) {
  auto& gauge = handles_->lagByPartition[{topic, partition}];
  if (gauge == nullptr) gauge = &handles_->lag->Add({{"topic", topic}, {"partition", std::to_string(partition)}});
  gauge->Set(static_cast<double>(lag));
}

ServiceMetrics::ServiceMetrics(std::unique_ptr<Handles> handles) : handles_(std::move(handles)) {}
ServiceMetrics::~ServiceMetrics() = default;

void ServiceMetrics::publish(const ProcessCounters& processing, const CorrelationCounters& correlations,
                             const AlertRouterStats& router, std::uint64_t committedOffsets,
                             std::size_t inFlightMessages) {
  Handles& h = *handles_;
  const auto set = [&](prometheus::Counter* counter, double total) { advanceTo(*counter, total, h.seen(counter)); };
  set(h.messages, static_cast<double>(processing.messages));
  set(h.events, static_cast<double>(processing.events));
  for (std::size_t i = 0; i < h.rejects.size(); ++i) set(h.rejects[i], static_cast<double>(processing.rejects[i]));
  for (std::size_t i = 0; i < h.ruleMatches.size() && i < processing.hitsByRule.size(); ++i) {
    set(h.ruleMatches[i], static_cast<double>(processing.hitsByRule[i]));
  }
  set(h.signals, static_cast<double>(correlations.signals));
  set(h.late, static_cast<double>(correlations.late));
  set(h.evictions, static_cast<double>(correlations.evictions));
  set(h.correlationsFired, static_cast<double>(correlations.fired));
  set(h.alertsRouted, static_cast<double>(router.routed.load()));
  set(h.alertsThrottled, static_cast<double>(router.throttled.load()));
  set(h.alertsFailed, static_cast<double>(router.failed.load()));
  set(h.commits, static_cast<double>(committedOffsets));
  h.liveKeys->Set(static_cast<double>(correlations.liveKeys));
  h.idlePartitions->Set(static_cast<double>(correlations.idlePartitions));
  h.inFlight->Set(static_cast<double>(inFlightMessages));
}

}  // namespace auditstream
