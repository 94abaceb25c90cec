// AlertmanagerSink: alerts to every configured Alertmanager replica over POST /api/v2/alerts.
//
// A bounded queue (default 10,000) that, best-effort, drops the oldest alert when full (counted, acked as
// dropped) and, durable, never drops: it reports itself saturated (health()) so the pipeline pauses;
// one sender thread that takes batches of at most 64 and posts each batch to every replica; 5xx,
// timeouts and connection failures are retried with exponential backoff and jitter until that replica
// accepts (so an Alertmanager that was down receives the queued alerts when it is back); a 400 is never
// retried — Alertmanager keeps the valid alerts of a batch and says why in the body, which is logged
// (acked rejected). Best-effort by default (acks do not gate offsets); `durable: true` makes a batch's
// ack wait for every replica, and while a replica is being retried health() says which and why. TLS,
// bearer token and basic auth are options.
//
// submit() and flush() may be called from any thread; acks are called from the sender thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/result.h"
#include "sinks/alert_sink.h"
#include "sinks/http_client.h"

namespace auditstream {

struct AlertmanagerOptions {
  std::vector<std::string> urls;  // replicas, e.g. http://alertmanager-0:9093
  std::size_t queueCapacity = 10'000;
  std::size_t batchSize = 64;
  std::chrono::milliseconds requestTimeout{5000};
  std::chrono::milliseconds initialBackoff{250};
  std::chrono::milliseconds maxBackoff{30'000};
  std::chrono::seconds resolveTimeout{300};  // endsAt = now + this; re-sent alerts stay firing
  TlsOptions tls;
  std::string bearerToken;
  std::string basicUser;
  std::string basicPassword;
  bool durable = false;
  Logger log;
};

struct AlertmanagerStats {
  std::atomic<std::uint64_t> submitted{0};
  std::atomic<std::uint64_t> delivered{0};  // alerts every replica accepted
  std::atomic<std::uint64_t> dropped{0};    // queue overflow
  std::atomic<std::uint64_t> rejected{0};   // in a batch a replica answered 400 to
  std::atomic<std::uint64_t> posts{0};
  std::atomic<std::uint64_t> retries{0};
};

class AlertmanagerSink final : public AlertSink {
 public:
  // Errors: invalidArgument (no URL, batch size 0 or above 64's limit of reason, queue 0).
  static Result<std::unique_ptr<AlertmanagerSink>> create(AlertmanagerOptions options, const Clock& clock);
  ~AlertmanagerSink() override;

  std::string_view name() const override { return "alertmanager"; }
  bool durable() const override;
  void submit(std::shared_ptr<const Alert> alert, AckCallback ack) override;
  bool flush(std::chrono::milliseconds timeout) override;
  SinkHealth health() const override;

  const AlertmanagerStats& stats() const;

  struct State;

 private:
  explicit AlertmanagerSink(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace auditstream
