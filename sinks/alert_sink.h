// AlertSink: where alerts go (Kafka alerts topic, Alertmanager, stdout/file). One small interface per
// stage (STYLE.md #2). submit() hands an alert over asynchronously; the ack says, exactly once, whether
// it was durably delivered, refused for good, or not delivered before the sink stopped. A durable sink's
// acks gate Kafka offset commits; a best-effort sink's do not (ARCHITECTURE.md: an offset advances only
// after its effects are acknowledged). A durable sink never gives up on its own: a delivery that fails
// for a reason that can pass (a missing topic, a broker or replica down) is retried with backoff, without
// limit, while health() says why, so the pipeline pauses consumption instead of committing past it.
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
  kRejected,   // the destination refused this alert for good (a 400, a record too large): retrying cannot
               // help; counted and logged, and its message may be committed
  kFailed,     // not delivered: the sink stopped (or broke) before it could; its message is not committed
  kDropped,    // a best-effort sink's bounded queue overflowed
};

// Whether a sink is delivering: a durable sink that is retrying (or whose queue is at its bound) says so
// here; the pipeline pauses consumption and /readyz answers 503 with `problem`.
struct SinkHealth {
  bool delivering = true;  // false: alerts wait for a destination that refuses them for now
  bool saturated = false;  // its queue is at its bound: stop feeding it (back-pressure, never a drop)
  std::string problem;     // why, when not delivering or saturated
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
  // Called from the routing threads (every partition worker routes its own alerts): implementations
  // accept concurrent calls. Never blocks for long: a full queue drops (best-effort) or applies
  // back-pressure through the caller's bounded wait (durable).
  virtual void submit(std::shared_ptr<const Alert> alert, AckCallback ack) = 0;
  // Waits until every submitted alert was acked, or `timeout` passed; true when all were.
  virtual bool flush(std::chrono::milliseconds timeout) = 0;
  // Any thread. Best-effort sinks and synchronous ones are always delivering.
  virtual SinkHealth health() const { return {}; }
};

}  // namespace auditstream
