// `auditstream run --config FILE`: the service (ARCHITECTURE.md, Data flow and Threads). One consumer
// group member per process (eager range assignment by default: cooperative-sticky is unreliable in
// librdkafka 2.0.2). The consumer thread polls batches and hands each partition's messages to the one
// PartitionWorker that owns it; workers decode, match and build alerts in parallel; the consumer thread
// then routes alerts (AlertRouter → sinks), feeds signals to the correlation engine in event time, and
// commits from the OffsetTracker only the offsets whose effects are done: alerts acknowledged by the
// durable sinks, dead letters written, signals applied. Back-pressure pauses every partition while too
// many messages wait for acknowledgements — never a drop. Rejected messages are counted, logged and (with
// dead_letter_topic) produced there with reason headers. A revoke drains the workers and commits within a
// bound; SIGTERM/SIGINT drain, close the windows, flush the sinks and commit; SIGHUP reloads the rules (a
// bad reload keeps the old rules and says why). Metrics, /healthz and /readyz on metrics.address; a
// one-line progress summary on stderr.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/rule_pack.h"
#include "config/service_config.h"
#include "consumer/pipeline_stage.h"
#include "sinks/alert_sink.h"

namespace auditstream {

struct ServiceOptions {
  std::vector<std::shared_ptr<AlertSink>> extraSinks;  // e.g. the demo's console; every alert, unthrottled
  std::function<bool()> stopRequested;                 // default: SIGTERM/SIGINT
  std::chrono::seconds progressEvery{10};
  std::string name = "auditstream";  // prefix of log and progress lines
  PipelineStage stage = PipelineStage::kDetect;
};

// Exit status: 0 after a clean stop; 1 when the sinks, metrics address or Kafka refuse to start.
int runService(ServiceConfig config, RulePack pack, ServiceOptions options);

// Loads the config and the rules first; 1 with every problem listed when either is bad.
int runService(const std::string& configPath, PipelineStage stage = PipelineStage::kDetect);

}  // namespace auditstream
