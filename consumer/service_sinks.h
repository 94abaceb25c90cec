// The service's alert sinks as the config names them (Kafka alerts topic, Alertmanager, stdout, file,
// plus any the caller adds, such as the demo's console), the route of each, and how to read each one's
// delivery totals for the metrics.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/result.h"
#include "config/service_config.h"
#include "consumer/service_metrics.h"
#include "sinks/alert_router.h"
#include "sinks/kafka_delivery.h"

namespace auditstream {

struct ServiceSinks {
  std::vector<std::shared_ptr<AlertSink>> all;
  std::vector<AlertRoute> routes;
  // The sinks belong to the router once it is built: call these only while it lives.
  std::vector<std::function<SinkCounts()>> counts;
};

// Errors: a sink that cannot be created (bad Kafka property, unreadable secret file, bad Alertmanager URL).
// The sinks log as children of `log` ("kafka-sink", "alertmanager").
// `transactional` (delivery: exactly_once): the Kafka alerts sink writes through it.
Result<ServiceSinks> makeServiceSinks(const ServiceConfig& config, const Clock& clock,
                                      const std::vector<std::shared_ptr<AlertSink>>& extraSinks, const Logger& log,
                                      SharedKafkaProducer transactional = nullptr);

}  // namespace auditstream
