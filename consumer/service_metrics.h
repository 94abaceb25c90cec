// ServiceMetrics: every number an operator wants, as Prometheus metrics, and the service's health and
// readiness — served on one address by an HttpEndpoint (/metrics, /healthz, /readyz). prometheus-cpp
// handles are created at start-up (STYLE.md #8) or, for rule ids, at the first publish after a (re)load;
// the pipeline keeps plain per-component counters on its hot path and publish() copies their totals
// into the handles once a second, so no event ever takes a prometheus-cpp lock. No user, URI or
// namespace labels (unbounded cardinality): rules, levels, reasons, sinks and partitions only.
//
// publish(), setConsumerLag(), setReadiness() and countReload() are called by the service's consumer
// thread; observeDetectionLatency() by any thread (sink threads acknowledge alerts); the endpoint
// serves from its own thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "consumer/correlation_task.h"
#include "consumer/signal_publisher.h"
#include "consumer/state_changelog.h"
#include "consumer/transactional_producer.h"
#include "engine/correlation_engine.h"
#include "engine/event_processor.h"
#include "sinks/alert_router.h"

namespace auditstream {

// One sink's delivery totals, as its own stats report them.
struct SinkCounts {
  std::string sink;
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  std::uint64_t dropped = 0;
  std::uint64_t retries = 0;
};

// What publish() copies into the metrics: totals since the pipeline (re)started.
struct ServiceTotals {
  ProcessCounters processing;  // summed over workers
  CorrelationCounters correlations;
  const AlertRouterStats* router = nullptr;
  std::map<std::pair<std::string, std::string>, std::uint64_t> alertsByRule;  // (rule id, level) → alerts
  std::vector<SinkCounts> sinks;
  std::uint64_t deadLetters = 0;
  std::uint64_t deadLetterFailures = 0;
  std::uint64_t committedOffsets = 0;
  std::uint64_t pauses = 0;
  std::size_t inFlightMessages = 0;
  std::size_t assignedPartitions = 0;
  std::size_t rulesLoaded = 0;
  std::size_t correlationsLoaded = 0;
  double oldestUnacknowledgedSeconds = 0;
  bool sinksDelivering = true;
  // correlation.signals: topic
  PublisherCounters published;
  std::uint64_t signalsDelivered = 0;  // acknowledged by the broker
  std::uint64_t signalsRetrying = 0;   // waiting for a re-send
  TaskCounters tasks;
  std::size_t tasksOwned = 0;
  std::map<std::int32_t, std::int64_t> taskWatermarks;  // signals partition → event time applied through (ns)
  std::map<std::int32_t, std::size_t> taskLiveKeys;     // signals partition → live correlation keys
  // correlation.state: changelog
  ChangelogCounters changelog;
  std::uint64_t changelogRetrying = 0;
  std::uint64_t restoreRecords = 0;  // changelog records read to restore tasks
  TransactionCounters transactions;  // delivery: exactly_once
};

class ServiceMetrics {
 public:
  // `address` host:port (port 0 picks a free one). Errors: unavailable when it cannot be bound.
  static Result<std::unique_ptr<ServiceMetrics>> create(const std::string& address);
  ~ServiceMetrics();
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  int port() const;

  // From librdkafka's statistics (every few seconds): messages behind the high watermark per partition.
  void setConsumerLag(const std::string& topic, std::int32_t partition, std::int64_t lag);
  void forgetConsumerLag(const std::string& topic, std::int32_t partition);
  // /readyz answers 200 when ready, else 503 with `why`.
  void setReadiness(bool ready, const std::string& why);
  // /healthz answers 200 when `problem` is empty (every pipeline thread alive) and the caller has set it
  // within the last 90 s (its loop runs), else 503 with the reason. Call it from the pipeline's loop.
  void setHealth(const std::string& problem);
  // Event time of the alert's last event → its handoff (acknowledged by the durable sinks, or routed).
  void observeDetectionLatency(double seconds);
  void observeTransactionCommit(double seconds);
  void countReload(bool succeeded);
  void publish(const RuleSet& rules, const ServiceTotals& totals);

  struct Handles;

 private:
  explicit ServiceMetrics(std::unique_ptr<Handles> handles);
  void publishSignals(const ServiceTotals& totals);
  std::unique_ptr<Handles> handles_;
};

}  // namespace auditstream
