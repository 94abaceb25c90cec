// ServiceMetrics: every number an operator wants, as Prometheus metrics on /metrics (prometheus-cpp,
// handles created at start-up, STYLE.md #8). The pipeline keeps plain per-component counters on its hot
// path; publish() copies their totals into the Prometheus handles once a second, so no event ever takes
// a prometheus-cpp lock. No user, URI or namespace labels (unbounded cardinality): rules and reasons only.
// /healthz answers as soon as the process serves metrics.
//
// Owned by the service's main thread; the exposer serves from its own threads.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "engine/correlation_engine.h"
#include "engine/event_processor.h"
#include "sinks/alert_router.h"

namespace auditstream {

class ServiceMetrics {
 public:
  // Errors: unavailable when the address cannot be bound.
  static Result<std::unique_ptr<ServiceMetrics>> create(const std::string& address, const RuleSet& rules);
  ~ServiceMetrics();
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // From librdkafka's statistics (every few seconds): messages behind the high watermark per partition.
  void setConsumerLag(const std::string& topic, std::int32_t partition, std::int64_t lag);

  void publish(const ProcessCounters& processing, const CorrelationCounters& correlations,
               const AlertRouterStats& router, std::uint64_t committedOffsets, std::size_t inFlightMessages);

  struct Handles;

 private:
  explicit ServiceMetrics(std::unique_ptr<Handles> handles);
  std::unique_ptr<Handles> handles_;
};

}  // namespace auditstream
