// KafkaEventPublisher: the webhook's events into Kafka. One idempotent producer (acks=all) for the
// process; each batch waits for the delivery report of every one of its events, bounded by
// `produceTimeout` (also librdkafka's message.timeout.ms, so nothing is still in flight for a batch the
// apiserver was told to retry — unless the broker acknowledges in the last instant: then the retry is a
// copy, which `run` tells apart by the event's auditID). A poller thread serves the delivery reports.
// Thread-safe: the server's threads publish at once.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "common/log.h"
#include "common/result.h"
#include "config/ingest_config.h"
#include "ingest/event_publisher.h"
#include "sinks/kafka_handles.h"

namespace auditstream {

class KafkaEventPublisher final : public EventPublisher {
 public:
  // Errors: invalidArgument naming a bad kafka property.
  static Result<std::unique_ptr<KafkaEventPublisher>> create(const IngestConfig& config, Logger log);
  ~KafkaEventPublisher() override;
  KafkaEventPublisher(const KafkaEventPublisher&) = delete;
  KafkaEventPublisher& operator=(const KafkaEventPublisher&) = delete;

  Status publish(const std::string& topic, std::string_view cluster, std::span<const OutgoingEvent> events) override;
  Status deadLetter(std::string_view cluster, std::string_view body, std::string_view reason,
                    std::size_t rejectedEvents) override;

  // Whether the cluster answers a metadata request within `timeout`, and every topic exists.
  // Errors: unavailable (unreachable), notFound (naming the missing topic).
  Status check(const std::vector<std::string>& topics, std::chrono::milliseconds timeout) const;

 private:
  struct Batch;
  KafkaEventPublisher(const IngestConfig& config, Logger log);
  Status produceAll(const std::string& topic, std::string_view cluster, std::span<const OutgoingEvent> events,
                    std::span<const std::pair<const char*, std::string_view>> extraHeaders);

  const IngestConfig& config_;
  Logger log_;
  KafkaClientPtr producer_;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

}  // namespace auditstream
