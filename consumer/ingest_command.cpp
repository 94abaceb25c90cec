#include "consumer/ingest_command.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "config/ingest_config.h"
#include "consumer/http_endpoint.h"
#include "consumer/process_signals.h"
#include "ingest/ingest_handler.h"
#include "ingest/ingest_metrics.h"
#include "ingest/kafka_event_publisher.h"
#include "ingest/webhook_server.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kStartupCheckBound = std::chrono::seconds(10);
constexpr auto kProbeEvery = std::chrono::seconds(5);
constexpr auto kProbeBound = std::chrono::seconds(3);
constexpr auto kProgressEvery = std::chrono::seconds(30);
constexpr auto kTick = std::chrono::milliseconds(200);

// Counts for the progress line, forwarding everything to the Prometheus metrics.
class CountingObserver final : public IngestObserver {
 public:
  explicit CountingObserver(IngestMetrics& metrics) : metrics_(metrics) {}
  void requestServed(const RequestOutcome& outcome) override {
    ++requests_;
    if (outcome.status != 200) ++failed_;
    events_ += outcome.events;
    metrics_.requestServed(outcome);
  }
  void eventRejected(std::string_view cluster, RejectReason reason) override {
    ++rejected_;
    metrics_.eventRejected(cluster, reason);
  }
  void deadLetterFailed(std::string_view cluster) override { metrics_.deadLetterFailed(cluster); }
  std::string line(std::chrono::seconds uptime) const {
    return "[" + std::to_string(uptime.count()) + "s] " + std::to_string(requests_.load()) + " requests (" +
           std::to_string(failed_.load()) + " not 200), " + std::to_string(events_.load()) + " events written, " +
           std::to_string(rejected_.load()) + " rejected";
  }

 private:
  IngestMetrics& metrics_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> events_{0};
  std::atomic<std::uint64_t> rejected_{0};
};

// Readiness: Kafka answered the last probe (a 503 while it does not is what the apiserver retries).
class Readiness {
 public:
  void set(const Status& status) {
    std::lock_guard lock(mutex_);
    why_ = status.isOk() ? std::string() : status.message();
  }
  EndpointResponse answer() const {
    std::lock_guard lock(mutex_);
    if (why_.empty()) return {200, "text/plain; charset=utf-8", "ready\n"};
    return {503, "text/plain; charset=utf-8", "not ready: " + why_ + "\n"};
  }
  bool ready() const {
    std::lock_guard lock(mutex_);
    return why_.empty();
  }

 private:
  mutable std::mutex mutex_;
  std::string why_;
};

}  // namespace

int runIngest(const std::string& configPath, Logger log) {
  const Result<IngestConfig> config = loadIngestConfig(configPath);
  if (!config) {
    log.error(config.status().message());
    return 1;
  }
  Result<ClientDirectory> clients = ClientDirectory::load(config->clients);
  if (!clients) {
    log.error(clients.status().message());
    return 1;
  }
  std::vector<std::string> topics;
  for (const std::string& cluster : clients->clusters()) topics.push_back(config->topicOf(cluster));
  if (!config->deadLetterTopic.empty()) topics.push_back(config->deadLetterTopic);
  Result<std::unique_ptr<KafkaEventPublisher>> publisher = KafkaEventPublisher::create(*config, log.child("kafka"));
  if (!publisher) {
    log.error(publisher.status().message());
    return 1;
  }
  if (const Status reachable = (*publisher)->check(topics, kStartupCheckBound); !reachable.isOk()) {
    log.error("not starting: " + reachable.message());
    return 1;
  }

  ProcessSignals::install();
  IngestMetrics metrics(clients->clusters());
  CountingObserver observer(metrics);
  Readiness readiness;
  metrics.setReady(true);
  std::unique_ptr<HttpEndpoint> endpoint;
  if (!config->metricsAddress.empty()) {
    Result<std::unique_ptr<HttpEndpoint>> started =
        HttpEndpoint::start(config->metricsAddress, [&](std::string_view path) -> EndpointResponse {
          if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.text()};
          if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
          if (path == "/readyz") return readiness.answer();
          return {404, "text/plain; charset=utf-8", "not found; try /metrics, /healthz or /readyz\n"};
        });
    if (!started) {
      log.error("metrics endpoint: " + started.status().message());
      return 1;
    }
    endpoint = std::move(started).value();
  }
  const std::vector<std::string> clusters = clients->clusters();
  IngestHandler handler(*config, std::move(clients).value(), **publisher, observer, log.child("webhook"));
  WebhookServerOptions serverOptions{config->address,      config->certificateFile, config->keyFile,
                                     config->clientCaFile, config->threads,         config->maxBodyBytes};
  Result<std::unique_ptr<WebhookServer>> server = WebhookServer::start(
      serverOptions, [&](const WebhookRequest& request) { return handler.handle(request); }, log.child("https"));
  if (!server) {
    log.error("not starting: " + server.status().message());
    return 1;
  }
  std::string clusterList;
  for (const std::string& cluster : clusters) clusterList += (clusterList.empty() ? "" : ",") + cluster;
  log.info("serving the audit webhook", {{"address", config->address},
                                         {"port", (*server)->port()},
                                         {"path", config->path},
                                         {"clusters", clusterList},
                                         {"topic", config->topicTemplate},
                                         {"client_certificates", !config->clientCaFile.empty()}});

  const auto started = SteadyClock::now();
  auto lastProbe = started;
  auto lastProgress = started;
  while (!ProcessSignals::stopRequested()) {
    std::this_thread::sleep_for(kTick);
    const auto now = SteadyClock::now();
    if (now - lastProbe >= kProbeEvery) {
      lastProbe = now;
      const Status status = (*publisher)->check(topics, kProbeBound);
      if (status.isOk() != readiness.ready()) {
        if (status.isOk()) {
          log.info("Kafka answers again: ready");
        } else {
          log.warn("not ready: requests get 503 until Kafka answers", {{"reason", status.message()}});
        }
      }
      readiness.set(status);
      metrics.setReady(status.isOk());
    }
    if (now - lastProgress >= kProgressEvery) {
      lastProgress = now;
      log.info(observer.line(std::chrono::duration_cast<std::chrono::seconds>(now - started)));
    }
  }
  log.info("stopping: answering the requests in progress");
  server->reset();  // the server first: no request may outlive the handler and the publisher
  log.info(observer.line(std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - started)));
  return 0;
}

}  // namespace auditstream
