// DeadLetterProducer: rejected messages go to the dead-letter topic unchanged, with headers that say
// why (reject_reason, reject_message) and where they came from (source_topic, source_partition,
// source_offset, cluster), through a DurableProducer: `done` runs once the broker has the dead letter,
// so the source offset is committed only after its dead letter is durable; a failed delivery is
// re-sent without limit (the rejected message is never lost); only a record the broker can never take
// (too large for the topic) is counted in failed(), logged, and settled.
//
// send() may be called from any thread; `done` runs on the producer's polling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/log.h"
#include "common/result.h"
#include "consumer/durable_producer.h"
#include "engine/reject_reason.h"

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

  // Over a given DurableProducer (exactly_once: one over the transactional producer).
  explicit DeadLetterProducer(std::unique_ptr<DurableProducer> producer) : producer_(std::move(producer)) {}

  void send(std::string_view payload, const DeadLetterSource& source, const Rejection& rejection,
            std::function<void()> done);

  // Waits until every dead letter sent so far has its delivery report, or `timeout` passed.
  bool flush(std::chrono::milliseconds timeout);

  std::uint64_t delivered() const { return producer_->delivered(); }
  std::uint64_t failed() const { return producer_->failed(); }      // refused for good
  std::uint64_t retrying() const { return producer_->retrying(); }  // failed at least once, waiting for a re-send

 private:
  std::unique_ptr<DurableProducer> producer_;
};

}  // namespace auditstream
