#include "consumer/service.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <simdjson.h>
#include <sstream>

#include "config/rule_pack.h"
#include "consumer/cluster_resolver.h"
#include "consumer/offset_tracker.h"
#include "consumer/process_signals.h"
#include "consumer/service_metrics.h"
#include "engine/correlation_engine.h"
#include "engine/event_processor.h"
#include "sinks/alert_router.h"
#include "sinks/alertmanager_sink.h"
#include "sinks/json_lines_sink.h"
#include "sinks/kafka_alert_sink.h"

namespace auditstream {
namespace {

using Key = OffsetTracker::Key;

// Offsets whose effects finished on a sink thread, handed to the consumer thread (one lock per alert
// ack, not per event).
class DoneOffsets {
 public:
  void push(const Key& key, std::int64_t offset) {
    std::lock_guard lock(mutex_);
    done_.emplace_back(key, offset);
  }
  std::vector<std::pair<Key, std::int64_t>> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(done_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<Key, std::int64_t>> done_;
};

// A message's pending effects: its alerts' durable acks, plus one for the message itself.
struct MessageEffects {
  std::atomic<int> remaining{1};
  Key key;
  std::int64_t offset = 0;
  DoneOffsets* done = nullptr;
  void settle() {
    if (--remaining == 0) done->push(key, offset);
  }
};

Result<std::string> readSecret(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ioError("cannot read " + path);
  std::string text;
  std::getline(in, text);
  return text;
}

Result<std::vector<std::shared_ptr<AlertSink>>> makeSinks(const ServiceConfig& config, const Clock& clock,
                                                          std::vector<AlertRoute>& routes) {
  std::vector<std::shared_ptr<AlertSink>> sinks;
  if (!config.alertsTopic.empty()) {
    ASSIGN_OR_RETURN(auto kafka, KafkaAlertSink::create({config.kafka, config.alertsTopic}));
    routes.push_back({"kafka", {}, "informational", {}});
    sinks.push_back(std::move(kafka));
  }
  if (config.alertmanager) {
    const AlertmanagerConfig& am = *config.alertmanager;
    AlertmanagerOptions options;
    options.urls = am.urls;
    options.queueCapacity = am.queue;
    options.batchSize = am.batch;
    options.requestTimeout = am.timeout;
    options.resolveTimeout = am.resolveTimeout;
    options.tls = {am.caFile, am.certFile, am.keyFile, am.insecureSkipVerify};
    options.durable = am.durable;
    if (!am.bearerTokenFile.empty()) {
      ASSIGN_OR_RETURN(options.bearerToken, readSecret(am.bearerTokenFile));
    }
    if (!am.basicUser.empty()) {
      options.basicUser = am.basicUser;
      ASSIGN_OR_RETURN(options.basicPassword, readSecret(am.basicPasswordFile));
    }
    ASSIGN_OR_RETURN(auto sink, AlertmanagerSink::create(options, clock));
    routes.push_back({"alertmanager", {}, am.minLevel, am.throttle});
    sinks.push_back(std::move(sink));
  }
  if (config.stdoutAlerts) {
    routes.push_back({"stdout", {}, "informational", {}});
    sinks.push_back(JsonLinesSink::stdoutSink());
  }
  if (!config.alertsFile.empty()) {
    ASSIGN_OR_RETURN(auto file, JsonLinesSink::file(config.alertsFile));
    routes.push_back({"file", {}, "informational", {}});
    sinks.push_back(std::move(file));
  }
  return sinks;
}

class Service {
 public:
  Service(ServiceConfig config, RulePack pack) : config_(std::move(config)), pack_(std::move(pack)) {}

  int run() {
    std::vector<AlertRoute> routes;
    Result<std::vector<std::shared_ptr<AlertSink>>> sinks = makeSinks(config_, clock_, routes);
    if (!sinks) return fail(sinks.status());
    Result<std::unique_ptr<AlertRouter>> router = AlertRouter::create(std::move(sinks).value(), routes);
    if (!router) return fail(router.status());
    router_ = std::move(router).value();
    if (Status status = startPipeline(); !status.isOk()) return fail(status);
    Result<std::unique_ptr<ServiceMetrics>> metrics = ServiceMetrics::create(config_.metricsAddress, *pack_.rules);
    if (!metrics) return fail(metrics.status());
    metrics_ = std::move(metrics).value();
    if (Status status = startConsumer(); !status.isOk()) return fail(status);
    ProcessSignals::install();
    std::fprintf(stderr, "auditstream: consuming %s as group %s; %zu rules, %zu correlations\n",
                 config_.topics.empty() ? config_.topicPattern.c_str() : config_.topics.front().c_str(),
                 config_.kafka.at("group.id").c_str(), pack_.rules->size(), pack_.correlations->size());
    auto lastCommit = std::chrono::steady_clock::now();
    auto lastAdvance = lastCommit;
    while (!ProcessSignals::stopRequested()) {
      if (ProcessSignals::takeReloadRequest()) reload();
      KafkaMessagePtr message(rd_kafka_consumer_poll(consumer_.get(), 100));
      if (message) handle(*message);
      const auto now = std::chrono::steady_clock::now();
      if (now - lastAdvance > std::chrono::milliseconds(200)) {
        lastAdvance = now;
        routeCorrelationAlerts(correlator_->advance());
      }
      applyBackPressure();
      if (now - lastCommit > std::chrono::seconds(1)) {
        lastCommit = now;
        commit(false);
        metrics_->publish(processor_->counters(), correlator_->counters(), router_->stats(), committedOffsets_,
                          tracker_.inFlight());
      }
    }
    std::fprintf(stderr, "auditstream: stopping: closing windows, draining sinks, committing\n");
    routeCorrelationAlerts(correlator_->finish());
    // Bounded: what a durable sink has not acknowledged by then stays uncommitted and is consumed again.
    router_->flush(std::chrono::seconds(10));
    commit(true);
    if (deadLetter_) rd_kafka_flush(deadLetter_.get(), 10'000);
    rd_kafka_consumer_close(consumer_.get());
    std::fprintf(stderr, "auditstream: stopped after %llu events (%llu rejected), %llu alerts routed\n",
                 static_cast<unsigned long long>(processor_->counters().events),
                 static_cast<unsigned long long>(rejected_),
                 static_cast<unsigned long long>(router_->stats().routed.load()));
    return 0;
  }

 private:
  static int fail(const Status& status) {
    std::fprintf(stderr, "auditstream: %s\n", status.message().c_str());
    return 1;
  }

  Status startPipeline() {
    EnvelopeOptions envelope;
    envelope.stringPaths = config_.envelopePaths;
    envelope.maxMessageBytes = config_.maxMessageBytes;
    ASSIGN_OR_RETURN(processor_, EventProcessor::create(pack_.rules, envelope, pack_.correlations));
    CorrelationOptions options;
    options.allowedLatenessNanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(config_.allowedLateness).count();
    options.maxKeysPerCorrelation = config_.maxKeysPerCorrelation;
    options.clock = &clock_;
    options.idleTimeout = config_.idleTimeout;
    correlator_ = std::make_unique<CorrelationEngine>(pack_.correlations, options);
    resolver_ = std::make_unique<ClusterResolver>(config_.cluster);
    if (!config_.deadLetterTopic.empty()) {
      ASSIGN_OR_RETURN(deadLetter_, makeKafkaClient(RD_KAFKA_PRODUCER, deadLetterProperties()));
    }
    return Status::ok();
  }

  KafkaProperties deadLetterProperties() const {
    KafkaProperties properties = config_.kafka;
    properties.erase("group.id");
    properties["enable.idempotence"] = "true";
    properties["acks"] = "all";
    return properties;
  }

  Status startConsumer() {
    KafkaProperties properties = config_.kafka;
    properties["enable.auto.offset.store"] = "false";
    properties["enable.auto.commit"] = "false";  // commits come from the offset tracker
    if (!properties.contains("partition.assignment.strategy")) properties["partition.assignment.strategy"] = "range";
    if (!properties.contains("auto.offset.reset")) properties["auto.offset.reset"] = "earliest";
    if (!properties.contains("statistics.interval.ms")) properties["statistics.interval.ms"] = "5000";  // lag
    ASSIGN_OR_RETURN(KafkaConfPtr conf, makeKafkaConf(properties));
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &Service::onRebalance);
    rd_kafka_conf_set_stats_cb(conf.get(), &Service::onStatistics);
    ASSIGN_OR_RETURN(consumer_, makeKafkaClient(RD_KAFKA_CONSUMER, std::move(conf)));
    rd_kafka_poll_set_consumer(consumer_.get());
    std::vector<std::string> topics = config_.topics;
    if (topics.empty()) topics.push_back(config_.topicPattern);
    KafkaPartitionListPtr subscription(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
    for (const std::string& topic : topics) {
      rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (const rd_kafka_resp_err_t error = rd_kafka_subscribe(consumer_.get(), subscription.get())) {
      return kafkaError("subscribe", error);
    }
    return Status::ok();
  }

  static void onRebalance(rd_kafka_t* consumer, rd_kafka_resp_err_t event, rd_kafka_topic_partition_list_t* partitions,
                          void* opaque) {
    auto* service = static_cast<Service*>(opaque);
    if (event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(consumer, partitions);
      return;
    }
    // Revoked: drain what is in flight (bounded well below the session timeout), commit, forget.
    service->router_->flush(std::chrono::seconds(5));
    service->commit(true);
    for (int i = 0; i < partitions->cnt; ++i) {
      service->tracker_.revoke({partitions->elems[i].topic, partitions->elems[i].partition});
    }
    rd_kafka_assign(consumer, nullptr);
  }

  // librdkafka statistics (JSON, on the polling thread): how far behind each assigned partition is.
  static int onStatistics(rd_kafka_t* /*client*/, char* json, std::size_t length, void* opaque) {
    auto* service = static_cast<Service*>(opaque);
    simdjson::dom::parser parser;
    simdjson::dom::object topics;
    if (service->metrics_ == nullptr || parser.parse(json, length).get_object()["topics"].get(topics)) return 0;
    for (const auto topic : topics) {
      simdjson::dom::object partitions;
      if (topic.value["partitions"].get(partitions)) continue;
      for (const auto partition : partitions) {
        // Behind = high watermark − next offset handed to us (committed offsets trail on purpose).
        std::int64_t high = -1;
        std::int64_t next = -1;
        std::int64_t id = -1;
        if (partition.value["hi_offset"].get(high) || partition.value["app_offset"].get(next) ||
            partition.value["partition"].get(id) || id < 0 || high < 0 || next < 0) {
          continue;
        }
        service->metrics_->setConsumerLag(std::string(topic.key), static_cast<std::int32_t>(id), high - next);
      }
    }
    return 0;  // librdkafka frees the JSON
  }

  void handle(rd_kafka_message_t& message) {
    if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message.err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::fprintf(stderr, "auditstream: consume: %s\n", rd_kafka_message_errstr(&message));
      }
      return;
    }
    const std::string topic = rd_kafka_topic_name(message.rkt);
    const Key key{topic, message.partition};
    tracker_.started(key, message.offset);
    std::optional<std::string> header;
    rd_kafka_headers_t* headers = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(headers, config_.cluster.header.c_str(), &value, &size) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
      header = std::string(static_cast<const char*>(value), size);
    }
    const std::string cluster = resolver_->resolve(topic, header);
    const auto [slot, added] = partitionIndex_.emplace(key, static_cast<std::uint32_t>(partitionIndex_.size()));
    rd_kafka_timestamp_type_t type{};
    const std::int64_t timestampMs = rd_kafka_message_timestamp(&message, &type);
    const MessageContext context{
        cluster, timestampMs > 0 ? std::optional<EventTime>(EventTime{timestampMs * 1'000'000}) : std::nullopt,
        AlertProvenance{topic, message.partition, message.offset}, slot->second};
    std::vector<Alert> alerts;
    const std::string_view payload(static_cast<const char*>(message.payload), message.len);
    const std::vector<Rejection> rejections = processor_->process(payload, context, alerts);
    auto effects = std::make_shared<MessageEffects>();
    effects->key = key;
    effects->offset = message.offset;
    effects->done = &done_;
    for (const Rejection& rejection : rejections) deadLetterOf(message, topic, cluster, rejection);
    for (Alert& alert : alerts) {
      ++effects->remaining;
      router_->route(std::move(alert), [effects](const Delivery& delivery) {
        // A failed durable delivery still settles the message: the router counted and logged it, and
        // holding the partition forever would stall it (the alert is in the failure metrics).
        (void)delivery;
        effects->settle();
      });
    }
    if (const auto latest = processor_->latestEventTime()) correlator_->observe(slot->second, *latest);
    std::vector<Signal> signals = processor_->takeSignals();
    if (signals.empty()) {
      effects->settle();
    } else {
      // Not done until the correlation engine has applied its signals (they wait for the watermark).
      std::int64_t latestSignal = 0;
      for (Signal& signal : signals) {
        latestSignal = std::max(latestSignal, signal.time.nanosSinceEpoch);
        correlator_->add(std::move(signal));
      }
      awaitingSignals_.push_back({latestSignal, effects});
    }
    for (const auto& [doneKey, offset] : done_.take()) tracker_.done(doneKey, offset);
  }

  // Sinks slower than the input: pause every assigned partition while too many messages wait for alert
  // acknowledgements, resume below half — never drop. (Messages waiting only for the watermark do not
  // count: pausing for them would stop the events that move the watermark.)
  void applyBackPressure() {
    for (const auto& [doneKey, offset] : done_.take()) tracker_.done(doneKey, offset);
    const std::size_t waiting = tracker_.inFlight() - std::min(tracker_.inFlight(), awaitingSignals_.size());
    const bool pause = !paused_ && waiting > config_.queueMessages;
    const bool resume = paused_ && waiting < config_.queueMessages / 2;
    if (!pause && !resume) return;
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (rd_kafka_assignment(consumer_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    KafkaPartitionListPtr assignment(raw);
    if (pause) {
      rd_kafka_pause_partitions(consumer_.get(), assignment.get());
    } else {
      rd_kafka_resume_partitions(consumer_.get(), assignment.get());
    }
    paused_ = pause;
    ++(pause ? pauses_ : resumes_);
    std::fprintf(stderr, "auditstream: %s consumption: %zu messages wait for alert acknowledgements\n",
                 pause ? "pausing" : "resuming", waiting);
  }

  void deadLetterOf(const rd_kafka_message_t& message, const std::string& topic, const std::string& cluster,
                    const Rejection& rejection) {
    ++rejected_;
    std::fprintf(stderr, "auditstream: rejected %s[%d]@%lld: %s: %s\n", topic.c_str(), message.partition,
                 static_cast<long long>(message.offset), std::string(rejectReasonName(rejection.reason)).c_str(),
                 rejection.message.c_str());
    if (!deadLetter_) return;
    const std::string reason(rejectReasonName(rejection.reason));
    const std::string partition = std::to_string(message.partition);
    const std::string offset = std::to_string(message.offset);
    KafkaErrorPtr error = produceCopy(deadLetter_.get(), config_.deadLetterTopic, {},
                                      std::string_view(static_cast<const char*>(message.payload), message.len),
                                      {{"reject_reason", reason},
                                       {"reject_message", rejection.message},
                                       {"source_topic", topic},
                                       {"source_partition", partition},
                                       {"source_offset", offset},
                                       {"cluster", cluster}});
    if (error) std::fprintf(stderr, "auditstream: dead-letter produce: %s\n", rd_kafka_error_string(error.get()));
    rd_kafka_poll(deadLetter_.get(), 0);
  }

  void routeCorrelationAlerts(std::vector<Alert> alerts) {
    for (Alert& alert : alerts) router_->route(std::move(alert), [](const Delivery&) {});
    // Messages whose signals the engine has now applied are done with it.
    const std::int64_t applied = correlator_->appliedThrough();
    std::erase_if(awaitingSignals_, [&](const AwaitingSignals& waiting) {
      if (waiting.latestSignal > applied) return false;
      waiting.effects->settle();
      return true;
    });
  }

  void commit(bool synchronous) {
    for (const auto& [doneKey, offset] : done_.take()) tracker_.done(doneKey, offset);
    const auto committable = tracker_.committable();
    if (committable.empty()) return;
    KafkaPartitionListPtr offsets(rd_kafka_topic_partition_list_new(static_cast<int>(committable.size())));
    for (const auto& [key, offset] : committable) {
      rd_kafka_topic_partition_list_add(offsets.get(), key.first.c_str(), key.second)->offset = offset;
    }
    const rd_kafka_resp_err_t error = rd_kafka_commit(consumer_.get(), offsets.get(), synchronous ? 0 : 1);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      std::fprintf(stderr, "auditstream: commit: %s\n", rd_kafka_err2str(error));
      return;
    }
    for (const auto& [key, offset] : committable) tracker_.committed(key, offset);
    committedOffsets_ += committable.size();
  }

  void reload() {
    RulePack pack = loadRulePack(config_.rules);
    if (!pack.problems.empty()) {
      std::fprintf(stderr, "auditstream: reload rejected, keeping the %zu loaded rules:\n", pack_.rules->size());
      for (const Status& problem : pack.problems) std::fprintf(stderr, "  %s\n", problem.message().c_str());
      return;
    }
    routeCorrelationAlerts(correlator_->finish());
    pack_ = std::move(pack);
    if (Status status = startPipeline(); !status.isOk()) {
      std::fprintf(stderr, "auditstream: reload: %s\n", status.message().c_str());
      return;
    }
    std::fprintf(stderr, "auditstream: reloaded: %zu rules, %zu correlations\n", pack_.rules->size(),
                 pack_.correlations->size());
  }

  ServiceConfig config_;
  RulePack pack_;
  SystemClock clock_;
  std::unique_ptr<EventProcessor> processor_;
  std::unique_ptr<CorrelationEngine> correlator_;
  std::unique_ptr<ClusterResolver> resolver_;
  KafkaClientPtr deadLetter_;
  OffsetTracker tracker_;
  DoneOffsets done_;
  // After done_ and the tracker: destroyed before them, since closing a sink acks what it still holds.
  std::unique_ptr<AlertRouter> router_;
  std::map<Key, std::uint32_t> partitionIndex_;
  struct AwaitingSignals {
    std::int64_t latestSignal;
    std::shared_ptr<MessageEffects> effects;
  };
  std::vector<AwaitingSignals> awaitingSignals_;  // in consume order
  std::uint64_t rejected_ = 0;
  std::uint64_t committedOffsets_ = 0;
  bool paused_ = false;
  std::uint64_t pauses_ = 0;
  std::uint64_t resumes_ = 0;
  std::unique_ptr<ServiceMetrics> metrics_;
  KafkaClientPtr consumer_;  // last: destroyed first, before what its callbacks use
};

}  // namespace

int runService(const std::string& configPath) {
  Result<ServiceConfig> config = loadServiceConfig(configPath);
  if (!config) {
    std::fprintf(stderr, "auditstream: %s\n", config.status().message().c_str());
    return 1;
  }
  RulePack pack = loadRulePack(config->rules);
  if (!pack.problems.empty()) {
    for (const Status& problem : pack.problems) std::fprintf(stderr, "%s\n", problem.message().c_str());
    std::fprintf(stderr, "auditstream: %zu problem(s) in the rules; not starting\n", pack.problems.size());
    return 1;
  }
  Service service(std::move(config).value(), std::move(pack));
  return service.run();
}

}  // namespace auditstream
