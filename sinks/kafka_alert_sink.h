// KafkaAlertSink: the durable record — every alert as JSON on the alerts topic.
//
// An idempotent producer with acks=all (no duplicates from producer retries, nothing acked before every
// in-sync replica has it); key = cluster/rule id/group-by values, so one key's alerts stay in one
// partition, in order; headers rule_id, severity, cluster. Delivery reports drive the acks. linger.ms
// 20, lz4 batching and message.timeout.ms 30 s by default (overridable through `properties`). The sink
// never gives up on an alert on its own: librdkafka retries within message.timeout.ms, and a delivery
// report error after that (a missing or deleted topic, brokers down, no authorisation yet) re-sends the
// alert with exponential backoff (100 ms to 5 s), without limit, while health() says what is wrong —
// the pipeline pauses and /readyz answers 503 meanwhile. Only a record the broker refuses for good
// (too large, invalid) is acked rejected; a fatal producer error (idempotence broken) leaves every
// alert after it failed (its message stays uncommitted). All errors are counted by name; each kind is
// logged once per minute at most.
//
// submit() and flush() may be called from any thread: submit() only queues the alert; a thread of the
// sink serialises and produces it (off the caller's thread). Acks run on the sink's threads.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/log.h"
#include "common/result.h"
#include "sinks/alert_sink.h"
#include "sinks/kafka_client.h"
#include "sinks/kafka_delivery.h"

namespace auditstream {

struct KafkaAlertSinkOptions {
  KafkaProperties properties;  // bootstrap.servers and anything else for librdkafka
  std::string topic = "auditstream.alerts";
  Logger log;
  // Set (delivery: exactly_once): alerts join this transactional producer's open transaction instead of
  // going through a producer of the sink's own; its owner serves the reports. Nothing is re-sent: an
  // alert that fails fails the transaction (acked kFailed: its message is read again after the abort).
  SharedKafkaProducer transactional;
};

struct KafkaAlertSinkStats {
  std::atomic<std::uint64_t> submitted{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};          // acked failed or rejected
  std::atomic<std::uint64_t> resent{0};          // delivery attempts repeated after an error
  std::atomic<std::uint64_t> queueFullWaits{0};  // produce() found librdkafka's queue full and waited
  std::mutex errorsMutex;
  std::map<std::string, std::uint64_t> errors;  // error name → count (delivery and producer errors)
};

class KafkaAlertSink final : public AlertSink {
 public:
  // Errors: invalidArgument naming a bad property; the producer cannot be created.
  static Result<std::unique_ptr<KafkaAlertSink>> create(KafkaAlertSinkOptions options);
  ~KafkaAlertSink() override;

  std::string_view name() const override { return "kafka"; }
  bool durable() const override { return true; }
  void submit(std::shared_ptr<const Alert> alert, AckCallback ack) override;
  bool flush(std::chrono::milliseconds timeout) override;
  SinkHealth health() const override;

  KafkaAlertSinkStats& stats();

  struct State;

 private:
  explicit KafkaAlertSink(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// "cluster/rule-id/value1/value2": one key's alerts land in one partition, in order.
std::string alertKafkaKey(const Alert& alert);

}  // namespace auditstream
