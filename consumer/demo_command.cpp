#include "consumer/demo_command.h"

#include <librdkafka/rdkafka.h>
// rdkafka_mock.h needs rdkafka.h first.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <librdkafka/rdkafka_mock.h>
#include <thread>

#include "config/rule_pack.h"
#include "consumer/console_alert_sink.h"
#include "consumer/process_signals.h"
#include "consumer/service.h"
#include "sinks/kafka_client.h"
#include "traffic/demo_traffic.h"

namespace auditstream {
namespace {

std::int64_t nowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status produce(rd_kafka_t* producer, const DemoEvent& event) {
  KafkaErrorPtr error = produceCopy(producer, event.topic, event.key, event.json);
  return error ? unavailable(std::string("produce: ") + rd_kafka_error_string(error.get())) : Status::ok();
}

}  // namespace

int runDemo(const CommandLine& command) {
  RulePack pack = loadRulePack(command.ruleDirs);
  if (!pack.problems.empty()) {
    for (const Status& problem : pack.problems) std::fprintf(stderr, "%s\n", problem.message().c_str());
    return 1;
  }
  std::vector<std::string> clusters;
  for (unsigned i = 0; i < command.clusters; ++i) clusters.push_back("prod-" + std::to_string(i + 1));

  // librdkafka's in-process mock cluster: the embedded Kafka of the demo (no broker to install).
  Result<KafkaClientPtr> producer = makeKafkaClient(
      RD_KAFKA_PRODUCER, KafkaProperties{{"test.mock.num.brokers", "1"}, {"linger.ms", "5"}, {"log_level", "4"}});
  if (!producer) {
    std::fprintf(stderr, "demo: %s\n", producer.status().message().c_str());
    return 1;
  }
  rd_kafka_mock_cluster_t* mock = rd_kafka_handle_mock_cluster(producer->get());
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(mock);

  // The service's own pipeline, configured as a user would: per-cluster topics, cluster from the topic name.
  ServiceConfig config;
  config.kafka = {{"bootstrap.servers", bootstrap}, {"group.id", "auditstream-demo"}, {"log_level", "4"}};
  for (const std::string& cluster : clusters) {
    config.topics.push_back("audit." + cluster);
    rd_kafka_mock_topic_create(mock, config.topics.back().c_str(), 3, 1);
  }
  config.cluster.order = {ClusterSource::kTopic};
  // Correlations across the group, as in production: signals through their own topic.
  config.signals = ServiceConfig::SignalsPath::kTopic;
  config.signalsTopic = "auditstream-demo.signals";
  rd_kafka_mock_topic_create(mock, config.signalsTopic.c_str(), config.signalsPartitions, 1);
  config.rules = command.ruleDirs;
  config.metricsAddress = command.metricsAddress;
  config.idleTimeout = std::chrono::seconds(5);

  std::fprintf(stderr,
               "demo: embedded Kafka (librdkafka mock cluster) at %s; %zu clusters (%s ...); %zu rules and %zu "
               "correlations; attacks every 20 s per cluster; Ctrl-C to stop\n",
               bootstrap.c_str(), clusters.size(), config.topics.front().c_str(), pack.rules->size(),
               pack.correlations->size());

  ProcessSignals::install();
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  const double duration = command.durationSeconds > 0 ? command.durationSeconds : 1e18;
  std::atomic<bool> producing{true};
  std::thread generator([&] {
    DemoTraffic traffic(clusters, 42);
    double before = 0;
    while (producing && !ProcessSignals::stopRequested() && before < duration) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const double after = std::min(elapsed(), duration);
      for (const DemoEvent& event : traffic.slice(before, after, command.rate, nowNanos())) {
        if (Status status = produce(producer->get(), event); !status.isOk()) {
          std::fprintf(stderr, "demo: %s\n", status.message().c_str());
        }
      }
      before = after;
      rd_kafka_poll(producer->get(), 0);
    }
    rd_kafka_flush(producer->get(), 5000);
  });

  ServiceOptions options;
  options.extraSinks.push_back(std::make_shared<ConsoleAlertSink>(stdout, isatty(STDOUT_FILENO) == 1));
  options.progressEvery = std::chrono::seconds(5);
  options.inputEndsAtStop = true;  // the demo ends for good: at the stop what can fire fires (nothing resumes)
  options.log = Logger::toStderr(LogFormat::kKeyValue, LogLevel::kInfo, "demo");
  // After --duration (or Ctrl-C), 3 more seconds to consume what is already on the topics.
  double stopAt = duration + 3;
  options.stopRequested = [&] {
    if (ProcessSignals::stopRequested() && stopAt > elapsed() + 3) stopAt = elapsed() + 3;
    return elapsed() >= stopAt;
  };
  const int status = runService(std::move(config), std::move(pack), std::move(options));
  producing = false;
  generator.join();
  return status;
}

}  // namespace auditstream
