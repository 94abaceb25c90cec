// DeadLetterProducer: rejected messages go to the dead-letter topic unchanged, with headers that say
// why (reject_reason, reject_message) and where they came from (source_topic, source_partition,
// source_offset, cluster). Idempotent, acks=all; `done` runs once the broker has the dead letter, so the
// source offset is committed only after its dead letter is durable. A delivery that fails (topic
// deleted, brokers down) is re-sent with backoff without limit: the rejected message is never lost.
// Only a record the broker can never take (too large for the topic) is counted in failed(), logged,
// and settled, so that it does not stop its partition for ever.
//
// send() may be called from any thread (librdkafka's produce is thread-safe); `done` runs on the
// producer's polling thread. The destructor waits up to 10 s for outstanding dead letters; the
// rest are dropped without `done` (their offsets were never committed: read again by the next owner).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/log.h"
#include "common/result.h"
#include "engine/reject_reason.h"
#include "sinks/kafka_client.h"

namespace auditstream {

struct DeadLetterSource {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string_view cluster;
};

class DeadLetterProducer {
 public:
  // Errors: invalidArgument naming a bad property.
  static Result<std::unique_ptr<DeadLetterProducer>> create(KafkaProperties properties, std::string topic,
                                                            Logger log = {});
  ~DeadLetterProducer();
  DeadLetterProducer(const DeadLetterProducer&) = delete;
  DeadLetterProducer& operator=(const DeadLetterProducer&) = delete;

  void send(std::string_view payload, const DeadLetterSource& source, const Rejection& rejection,
            std::function<void()> done);

  // Waits until every dead letter sent so far has its delivery report, or `timeout` passed.
  bool flush(std::chrono::milliseconds timeout);

  std::uint64_t delivered() const;
  std::uint64_t failed() const;    // refused for good
  std::uint64_t retrying() const;  // failed at least once, waiting for a re-send

  struct State;

 private:
  explicit DeadLetterProducer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace auditstream
