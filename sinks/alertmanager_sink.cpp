#include "sinks/alertmanager_sink.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "common/base64.h"
#include "common/thread_name.h"
#include "sinks/alertmanager_payload.h"

namespace auditstream {
namespace {

struct Queued {
  std::shared_ptr<const Alert> alert;
  AckCallback ack;
};

}  // namespace

struct AlertmanagerSink::State {
  AlertmanagerOptions options;
  const Clock* clock = nullptr;
  AlertmanagerStats stats;
  std::vector<std::string> headers;

  mutable std::mutex mutex;
  std::string unavailable;          // under mutex: the replica being retried and why; empty when none is
  std::condition_variable wake;     // sender: work or stop
  std::condition_variable drained;  // flush(): queue empty and nothing in flight
  std::deque<Queued> queue;
  std::size_t inFlight = 0;
  bool stopping = false;
  std::thread sender;  // started last

  void run() {
    Result<HttpClient> client = HttpClient::create();
    std::mt19937_64 jitter(std::random_device{}());
    while (true) {
      std::vector<Queued> batch;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping and drained
        while (!queue.empty() && batch.size() < options.batchSize) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
        inFlight = batch.size();
      }
      Delivery outcome = client ? post(*client, batch, jitter) : Delivery{DeliveryOutcome::kFailed, "no HTTP client"};
      for (Queued& item : batch) item.ack(outcome);
      (outcome.outcome == DeliveryOutcome::kDelivered ? stats.delivered : stats.rejected) += batch.size();
      {
        std::lock_guard lock(mutex);
        inFlight = 0;
        if (queue.empty()) drained.notify_all();
      }
    }
  }

  // Posts one batch to every replica; retries each replica until it answers 2xx or 4xx (or we stop).
  Delivery post(HttpClient& client, const std::vector<Queued>& batch, std::mt19937_64& jitter) {
    std::vector<std::shared_ptr<const Alert>> alerts;
    for (const Queued& item : batch) alerts.push_back(item.alert);
    const auto endsAt = clock->wallNow() + options.resolveTimeout;
    HttpRequest request{"POST", "", alertmanagerBatch(alerts, endsAt), headers, options.requestTimeout, &options.tls};
    Delivery result;
    for (const std::string& url : options.urls) {
      request.url = url + "/api/v2/alerts";
      std::chrono::milliseconds backoff = options.initialBackoff;
      while (true) {
        ++stats.posts;
        Result<HttpResponse> response = client.send(request);
        if (response && response->status >= 200 && response->status < 300) break;
        if (response && response->status >= 400 && response->status < 500) {
          // Not retried: the batch is wrong for this replica; the body says why.
          options.log.error("alerts refused",
                            {{"url", request.url}, {"status", response->status}, {"body", response->body}});
          result = {DeliveryOutcome::kRejected,
                    url + " answered " + std::to_string(response->status) + ": " + response->body};
          break;
        }
        {
          std::unique_lock lock(mutex);
          if (stopping) {
            unavailable.clear();
            return {DeliveryOutcome::kFailed, "shutting down while " + url + " was unavailable"};
          }
          unavailable = url + (response ? " answered " + std::to_string(response->status)
                                        : " is unreachable: " + response.status().message());
          ++stats.retries;
          // Exponential backoff with full jitter, capped.
          const auto wait = std::chrono::milliseconds(
              jitter() % static_cast<std::uint64_t>(std::max<std::int64_t>(1, backoff.count())) + 1);
          wake.wait_for(lock, wait, [&] { return stopping; });
        }
        backoff = std::min(options.maxBackoff, backoff * 2);
      }
      std::lock_guard lock(mutex);
      unavailable.clear();
    }
    return result;
  }
};

Result<std::unique_ptr<AlertmanagerSink>> AlertmanagerSink::create(AlertmanagerOptions options, const Clock& clock) {
  if (options.urls.empty()) return invalidArgument("alertmanager: at least one URL is needed");
  if (options.batchSize == 0 || options.batchSize > 64) {
    return invalidArgument("alertmanager: batch size must be 1 to 64");
  }
  if (options.queueCapacity == 0) return invalidArgument("alertmanager: queue capacity must be at least 1");
  auto state = std::make_unique<State>();
  state->headers.emplace_back("Content-Type: application/json");
  if (!options.bearerToken.empty()) state->headers.push_back("Authorization: Bearer " + options.bearerToken);
  if (!options.basicUser.empty()) {
    state->headers.push_back("Authorization: Basic " + base64Encode(options.basicUser + ":" + options.basicPassword));
  }
  for (std::string& url : options.urls) {
    while (!url.empty() && url.back() == '/') url.pop_back();
  }
  state->options = std::move(options);
  state->clock = &clock;
  auto sink = std::unique_ptr<AlertmanagerSink>(new AlertmanagerSink(std::move(state)));
  State* raw = sink->state_.get();
  raw->sender = std::thread([raw] {
    nameThisThread("as-alertmanager");
    raw->run();
  });
  return sink;
}

AlertmanagerSink::AlertmanagerSink(std::unique_ptr<State> state) : state_(std::move(state)) {}

AlertmanagerSink::~AlertmanagerSink() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  if (state_->sender.joinable()) state_->sender.join();
  for (Queued& item : state_->queue) item.ack({DeliveryOutcome::kFailed, "sink closed"});
}

bool AlertmanagerSink::durable() const { return state_->options.durable; }

void AlertmanagerSink::submit(std::shared_ptr<const Alert> alert, AckCallback ack) {
  State& state = *state_;
  ++state.stats.submitted;
  std::optional<Queued> dropped;
  {
    std::lock_guard lock(state.mutex);
    // Durable: never dropped; health() says saturated and the pipeline stops feeding the queue.
    if (!state.options.durable && state.queue.size() >= state.options.queueCapacity) {
      dropped = std::move(state.queue.front());
      state.queue.pop_front();
    }
    state.queue.push_back({std::move(alert), std::move(ack)});
  }
  state.wake.notify_one();
  if (dropped) {
    ++state.stats.dropped;
    dropped->ack({DeliveryOutcome::kDropped, "alertmanager queue full: the oldest alert was dropped"});
  }
}

bool AlertmanagerSink::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  return state_->drained.wait_for(lock, timeout, [&] { return state_->queue.empty() && state_->inFlight == 0; });
}

SinkHealth AlertmanagerSink::health() const {
  if (!state_->options.durable) return {};
  std::lock_guard lock(state_->mutex);
  SinkHealth health;
  health.delivering = state_->unavailable.empty();
  health.saturated = state_->queue.size() >= state_->options.queueCapacity;
  if (!health.delivering) {
    health.problem = "alertmanager " + state_->unavailable + "; " +
                     std::to_string(state_->queue.size() + state_->inFlight) + " alerts wait";
  } else if (health.saturated) {
    health.problem = "alertmanager queue full (" + std::to_string(state_->queue.size()) + " alerts)";
  }
  return health;
}

const AlertmanagerStats& AlertmanagerSink::stats() const { return state_->stats; }

}  // namespace auditstream
