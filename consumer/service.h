// `auditstream run --config FILE`: the service — the wiring of one Pipeline (consumer/pipeline.h) over a
// KafkaSource (one consumer group member per process; eager range assignment by default: cooperative-
// sticky is unreliable in librdkafka 2.0.2) with the configured sinks and dead-letter topic. Before it
// consumes anything it checks that the alerts and dead-letter topics exist (or creates them). SIGTERM/
// SIGINT stop the pipeline (drain, flush, commit); SIGHUP reloads the rules (a bad reload keeps the old
// rules and says why). Metrics, /healthz (the pipeline's threads alive) and /readyz (assigned, caught up,
// alerts being delivered) on metrics.address; a one-line progress summary on stderr.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "config/rule_pack.h"
#include "config/service_config.h"
#include "consumer/pipeline_stage.h"
#include "sinks/alert_sink.h"

namespace auditstream {

struct ServiceOptions {
  std::vector<std::shared_ptr<AlertSink>> extraSinks;  // e.g. the demo's console; every alert, unthrottled
  std::function<bool()> stopRequested;                 // default: SIGTERM/SIGINT
  std::chrono::seconds progressEvery{10};
  Logger log = Logger::toStderr(LogFormat::kKeyValue, LogLevel::kInfo, "auditstream");  // its components: children
  PipelineStage stage = PipelineStage::kDetect;
  bool inputEndsAtStop = false;  // the demo: at the stop every window closes (PipelineOptions::closeWindowsAtStop)
};

// Exit status: 0 after a clean stop; 1 when the sinks, metrics address or Kafka refuse to start.
int runService(ServiceConfig config, RulePack pack, ServiceOptions options);

// Loads the config and the rules first; 1 with every problem listed when either is bad.
int runService(const std::string& configPath, ServiceOptions options);

}  // namespace auditstream
