#include "consumer/service_sinks.h"

#include <fstream>

#include "sinks/alertmanager_sink.h"
#include "sinks/json_lines_sink.h"
#include "sinks/kafka_alert_sink.h"

namespace auditstream {
namespace {

Result<std::string> readSecret(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ioError("cannot read " + path);
  std::string text;
  std::getline(in, text);
  return text;
}

}  // namespace

Result<ServiceSinks> makeServiceSinks(const ServiceConfig& config, const Clock& clock,
                                      const std::vector<std::shared_ptr<AlertSink>>& extraSinks, const Logger& log,
                                      SharedKafkaProducer transactional) {
  ServiceSinks sinks;
  if (!config.alertsTopic.empty()) {
    ASSIGN_OR_RETURN(
        std::shared_ptr<KafkaAlertSink> kafka,
        KafkaAlertSink::create({config.kafka, config.alertsTopic, log.child("kafka-sink"), transactional}));
    sinks.routes.push_back({"kafka", {}, "informational", {}});
    sinks.counts.emplace_back([kafka = kafka.get()] {
      KafkaAlertSinkStats& stats = kafka->stats();
      return SinkCounts{"kafka", stats.delivered.load(), stats.failed.load(), 0, stats.queueFullWaits.load()};
    });
    sinks.all.push_back(std::move(kafka));
  }
  if (config.alertmanager) {
    const AlertmanagerConfig& am = *config.alertmanager;
    AlertmanagerOptions sinkOptions;
    sinkOptions.urls = am.urls;
    sinkOptions.queueCapacity = am.queue;
    sinkOptions.batchSize = am.batch;
    sinkOptions.requestTimeout = am.timeout;
    sinkOptions.resolveTimeout = am.resolveTimeout;
    sinkOptions.tls = {am.caFile, am.certFile, am.keyFile, am.insecureSkipVerify};
    sinkOptions.durable = am.durable;
    sinkOptions.log = log.child("alertmanager");
    if (!am.bearerTokenFile.empty()) {
      ASSIGN_OR_RETURN(sinkOptions.bearerToken, readSecret(am.bearerTokenFile));
    }
    if (!am.basicUser.empty()) {
      sinkOptions.basicUser = am.basicUser;
      ASSIGN_OR_RETURN(sinkOptions.basicPassword, readSecret(am.basicPasswordFile));
    }
    ASSIGN_OR_RETURN(std::shared_ptr<AlertmanagerSink> sink, AlertmanagerSink::create(sinkOptions, clock));
    sinks.routes.push_back({"alertmanager", {}, am.minLevel, am.throttle});
    sinks.counts.emplace_back([sink = sink.get()] {
      const AlertmanagerStats& stats = sink->stats();
      return SinkCounts{"alertmanager", stats.delivered.load(), stats.rejected.load(), stats.dropped.load(),
                        stats.retries.load()};
    });
    sinks.all.push_back(std::move(sink));
  }
  if (config.stdoutAlerts) {
    sinks.routes.push_back({"stdout", {}, "informational", {}});
    sinks.all.push_back(JsonLinesSink::stdoutSink());
  }
  if (!config.alertsFile.empty()) {
    ASSIGN_OR_RETURN(auto file, JsonLinesSink::file(config.alertsFile));
    sinks.routes.push_back({"file", {}, "informational", {}});
    sinks.all.push_back(std::move(file));
  }
  for (const std::shared_ptr<AlertSink>& extra : extraSinks) {
    sinks.routes.push_back({std::string(extra->name()), {}, "informational", {}});
    sinks.all.push_back(extra);
  }
  return sinks;
}

}  // namespace auditstream
