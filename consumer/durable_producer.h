// DurableProducer: records that must reach one Kafka topic whatever happens — dead letters, correlation
// signals. Idempotent, acks=all; a record's `done` runs once the broker has it, so the input offset
// that produced it commits only after it is durable. A delivery that fails (topic deleted, brokers
// down) is re-sent with backoff without limit from the producer's own copy of the record. Only a record
// the broker can never take (too large for the topic) is counted in failed(), logged, and settled, so
// that it does not stop its partition for ever.
//
// send() may be called from any thread (librdkafka's produce is thread-safe) and waits while
// librdkafka's queue is full (back-pressure, never a drop); `done` runs on the producer's polling thread.
// The destructor waits up to 10 s for outstanding records; the rest are dropped without `done` (their
// input offsets were never committed: read again by the next owner).
//
// Over a transactional producer (delivery: exactly_once) the records join the producer's open
// transaction and nothing is re-sent: a record that fails fails the transaction, which is aborted, and
// its input is read again. The transactional producer polls the handle; flush() flushes all of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "sinks/kafka_client.h"
#include "sinks/kafka_delivery.h"

namespace auditstream {

struct DurableRecord {
  std::int32_t partition = RD_KAFKA_PARTITION_UA;  // UA: the partitioner places `key`
  std::string key;
  std::string value;
  bool tombstone = false;  // no value at all (a compacted topic's delete), not an empty one
  std::vector<std::pair<std::string, std::string>> headers;
  std::function<void()> done;
};

class DurableProducer {
 public:
  // `what` names a record in log lines ("dead letter"); `threadName` names the polling thread.
  // Errors: invalidArgument naming a bad property.
  static Result<std::unique_ptr<DurableProducer>> create(KafkaProperties properties, std::string topic,
                                                         std::string what, std::string threadName, Logger log = {});
  // Writes through `transactional` (TransactionalProducer::handle()), which serves its reports.
  static std::unique_ptr<DurableProducer> overTransaction(SharedKafkaProducer transactional, std::string topic,
                                                          std::string what, Logger log = {});
  ~DurableProducer();
  DurableProducer(const DurableProducer&) = delete;
  DurableProducer& operator=(const DurableProducer&) = delete;

  void send(DurableRecord record);
  // Waits until every record sent so far is delivered (or refused for good), or `timeout` passed.
  bool flush(std::chrono::milliseconds timeout);

  const std::string& topic() const;
  std::uint64_t delivered() const;
  std::uint64_t failed() const;    // refused for good
  std::uint64_t retrying() const;  // failed at least once, waiting for a re-send
  std::uint64_t bytes() const;     // value bytes sent (each record once)

  struct State;

 private:
  explicit DurableProducer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace auditstream
