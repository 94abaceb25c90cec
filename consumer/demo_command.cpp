#include "consumer/demo_command.h"

#include <librdkafka/rdkafka.h>
// rdkafka_mock.h needs rdkafka.h first.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <librdkafka/rdkafka_mock.h>
#include <map>
#include <thread>

#include "config/rule_pack.h"
#include "consumer/alert_line.h"
#include "consumer/process_signals.h"
#include "engine/correlation_engine.h"
#include "engine/event_processor.h"
#include "loadtest/demo_traffic.h"
#include "sinks/kafka_client.h"

namespace auditstream {
namespace {

std::int64_t nowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Counts what the demo saw, for the periodic summary line.
struct DemoCounters {
  std::uint64_t events = 0;
  std::uint64_t rejected = 0;
  std::map<std::string, std::uint64_t> alertsByLevel;
};

class Printer {
 public:
  explicit Printer(bool colour) : colour_(colour) {}
  void print(const Alert& alert, DemoCounters& counters) {
    ++counters.alertsByLevel[alert.rule->level];
    // The demo shows medium and above as they fire; lower levels are counted in the summary.
    if (alert.rule->level == "low" || alert.rule->level == "informational") return;
    std::printf("%s\n", formatAlertLine(alert, colour_).c_str());
    std::fflush(stdout);
  }

 private:
  bool colour_;
};

void printSummary(const DemoCounters& counters, double seconds, const CorrelationCounters& correlations,
                  std::size_t clusters) {
  std::fprintf(
      stderr,
      "[demo %3.0fs] %llu events (%.0f/s) from %zu clusters, %llu rejected | alerts: high %llu, medium "
      "%llu, low %llu | correlations: %llu fired, %zu live keys\n",
      seconds, static_cast<unsigned long long>(counters.events),
      seconds > 0 ? static_cast<double>(counters.events) / seconds : 0.0, clusters,
      static_cast<unsigned long long>(counters.rejected),
      static_cast<unsigned long long>(counters.alertsByLevel.count("high") ? counters.alertsByLevel.at("high") : 0),
      static_cast<unsigned long long>(counters.alertsByLevel.count("medium") ? counters.alertsByLevel.at("medium") : 0),
      static_cast<unsigned long long>(counters.alertsByLevel.count("low") ? counters.alertsByLevel.at("low") : 0),
      static_cast<unsigned long long>(correlations.fired), correlations.liveKeys);
}

Status produce(rd_kafka_t* producer, const DemoEvent& event) {
  KafkaErrorPtr error = produceCopy(producer, event.topic, event.key, event.json);
  return error ? unavailable(std::string("produce: ") + rd_kafka_error_string(error.get())) : Status::ok();
}

}  // namespace

int runDemo(const CommandLine& command) {
  const RulePack pack = loadRulePack(command.ruleDirs);
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
  std::vector<std::string> topics;
  for (const std::string& cluster : clusters) {
    topics.push_back("audit." + cluster);
    rd_kafka_mock_topic_create(mock, topics.back().c_str(), 3, 1);
  }
  Result<KafkaClientPtr> consumer =
      makeKafkaClient(RD_KAFKA_CONSUMER, KafkaProperties{{"bootstrap.servers", bootstrap},
                                                         {"group.id", "auditstream-demo"},
                                                         {"auto.offset.reset", "earliest"},
                                                         {"enable.auto.offset.store", "false"},
                                                         {"auto.commit.interval.ms", "1000"}});
  if (!consumer) {
    std::fprintf(stderr, "demo: %s\n", consumer.status().message().c_str());
    return 1;
  }
  rd_kafka_poll_set_consumer(consumer->get());
  KafkaPartitionListPtr subscription(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& topic : topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (const rd_kafka_resp_err_t error = rd_kafka_subscribe(consumer->get(), subscription.get())) {
    std::fprintf(stderr, "demo: subscribe: %s\n", rd_kafka_err2str(error));
    return 1;
  }

  std::fprintf(stderr,
               "demo: embedded Kafka (librdkafka mock cluster) at %s; %zu clusters (%s ...); %zu rules and %zu "
               "correlations; attacks every 20 s per cluster; Ctrl-C to stop\n",
               bootstrap.c_str(), clusters.size(), topics.front().c_str(), pack.rules->size(),
               pack.correlations->size());

  ProcessSignals::install();

  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::atomic<bool> producing{true};
  std::thread generator([&] {
    DemoTraffic traffic(clusters, 42);
    double before = 0;
    while (producing) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const double after = elapsed();
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

  auto processor = EventProcessor::create(pack.rules, EnvelopeOptions{}, pack.correlations).value();
  CorrelationEngine correlator(pack.correlations, CorrelationOptions{});
  Printer printer(isatty(STDOUT_FILENO) == 1);
  DemoCounters counters;
  std::map<std::pair<std::string, std::int32_t>, std::uint32_t> partitionIndex;
  double nextSummary = 5;
  auto lastAdvance = std::chrono::steady_clock::now();
  const double duration = command.durationSeconds > 0 ? command.durationSeconds : 1e18;
  bool draining = false;
  double drainUntil = 0;
  while (true) {
    if (!draining && (ProcessSignals::stopRequested() || elapsed() >= duration)) {
      draining = true;  // stop producing; consume what is already on the topics for up to 3 s
      producing = false;
      drainUntil = elapsed() + 3;
    }
    if (draining && elapsed() >= drainUntil) break;
    KafkaMessagePtr message(rd_kafka_consumer_poll(consumer->get(), 100));
    if (message && message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const std::string topic = rd_kafka_topic_name(message->rkt);
      const auto [slot, added] = partitionIndex.emplace(std::pair{topic, message->partition},
                                                        static_cast<std::uint32_t>(partitionIndex.size()));
      const MessageContext context{std::string_view(topic).substr(6), std::nullopt,
                                   AlertProvenance{topic, message->partition, message->offset}, slot->second};
      std::vector<Alert> alerts;
      const auto rejections = processor->process(
          std::string_view(static_cast<const char*>(message->payload), message->len), context, alerts);
      counters.rejected += rejections.size();
      for (const Alert& alert : alerts) printer.print(alert, counters);
      if (const auto latest = processor->latestEventTime()) correlator.observe(slot->second, *latest);
      for (Signal& signal : processor->takeSignals()) correlator.add(std::move(signal));
      // Effects done (printed; signals handed to the engine): the offset may be committed.
      KafkaPartitionListPtr offsets(rd_kafka_topic_partition_list_new(1));
      rd_kafka_topic_partition_list_add(offsets.get(), topic.c_str(), message->partition)->offset = message->offset + 1;
      rd_kafka_offsets_store(consumer->get(), offsets.get());
    }
    if (std::chrono::steady_clock::now() - lastAdvance > std::chrono::milliseconds(200)) {
      lastAdvance = std::chrono::steady_clock::now();
      for (const Alert& alert : correlator.advance()) printer.print(alert, counters);
    }
    counters.events = processor->counters().events;
    if (elapsed() >= nextSummary) {
      printSummary(counters, elapsed(), correlator.counters(), clusters.size());
      nextSummary += 5;
    }
  }
  generator.join();
  for (const Alert& alert : correlator.finish()) printer.print(alert, counters);
  counters.events = processor->counters().events;
  printSummary(counters, elapsed(), correlator.counters(), clusters.size());
  rd_kafka_consumer_close(consumer->get());
  return 0;
}

}  // namespace auditstream
