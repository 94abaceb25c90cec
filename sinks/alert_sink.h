// AlertSink: where alerts go (Kafka alerts topic, Alertmanager, stdout/file). One small interface per
// stage (STYLE.md #2). submit() hands an alert over asynchronously; the ack says, exactly once, whether
// it was durably delivered or finally failed. A durable sink's acks gate Kafka offset commits; a
// best-effort sink's do not (ARCHITECTURE.md: an offset advances only after its effects are acknowledged).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/alert.h"

namespace auditstream {

enum class DeliveryOutcome : std::uint8_t {
  kDelivered,  // the sink's destination has it (Kafka: acks=all; Alertmanager: 200 from every replica)
  kFailed,     // given up: fatal error, or retries exhausted
  kDropped,    // a best-effort sink's bounded queue overflowed
};

struct Delivery {
  DeliveryOutcome outcome = DeliveryOutcome::kDelivered;
  std::string detail;  // why, when not delivered
};

// Called exactly once per submit, from the sink's own thread (or the caller's, when the sink is
// synchronous). Must be cheap and must not call back into the sink.
using AckCallback = std::function<void(const Delivery&)>;

class AlertSink {
 public:
  AlertSink() = default;
  virtual ~AlertSink() = default;
  AlertSink(const AlertSink&) = delete;
  AlertSink& operator=(const AlertSink&) = delete;

  virtual std::string_view name() const = 0;
  // Whether the sink's acks gate offset commits.
  virtual bool durable() const = 0;
  // Called from the routing thread. Never blocks for long: a full queue drops (best-effort) or applies
  // back-pressure through the caller's bounded wait (durable).
  virtual void submit(std::shared_ptr<const Alert> alert, AckCallback ack) = 0;
  // Waits until every submitted alert was acked, or `timeout` passed; true when all were.
  virtual bool flush(std::chrono::milliseconds timeout) = 0;
};

}  // namespace auditstream
