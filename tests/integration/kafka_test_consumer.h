// TestGroupConsumer: a consumer-group member with the offset discipline the service will use —
// offsets stored only after a message is recorded (enable.auto.offset.store=false), committed
// synchronously on revoke and on demand — driven by hand from the test thread, one poll at a time.
// Owned and used by one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "sinks/kafka_handles.h"

namespace auditstream::testing {

struct ReceivedMessage {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

class TestGroupConsumer {
 public:
  static Result<std::unique_ptr<TestGroupConsumer>> create(const std::string& bootstrap, const std::string& group);
  ~TestGroupConsumer();
  TestGroupConsumer(const TestGroupConsumer&) = delete;
  TestGroupConsumer& operator=(const TestGroupConsumer&) = delete;

  Status subscribe(const std::string& topic);
  // One rd_kafka_consumer_poll: the message it returned, already recorded and its offset stored.
  std::optional<ReceivedMessage> pollOnce(std::chrono::milliseconds timeout);
  // Commits the stored offsets (no-op when nothing new was stored).
  Status commit();
  // Leaves the group: the revoke commits, then the handle closes.
  Status close();

  int assignedPartitions() const { return assigned_; }
  int rebalances() const { return rebalances_; }
  // Errors seen in rebalance commits or consumed error events, as text (tests assert it stays empty).
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  TestGroupConsumer() = default;
  static void onRebalance(rd_kafka_t* client, rd_kafka_resp_err_t event, rd_kafka_topic_partition_list_t* partitions,
                          void* opaque);

  KafkaClientPtr client_;
  int assigned_ = 0;
  int rebalances_ = 0;
  bool closed_ = false;
  std::vector<std::string> errors_;
};

}  // namespace auditstream::testing
