// StateChangelog: the correlation tasks' window state in Kafka (`<group.id>.state`, compacted; one
// partition per signals partition). write() puts a task's checkpoint there (TaskState has the records);
// the messages it covers settle once every record of it is acknowledged, so a task's signals offset is
// committed only with the state that includes it. readStateChangelog() reads partitions back to their
// end on assignment, into the snapshot each task restores from.
//
// write() is for the pipeline's polling thread (one writer per changelog partition at a time: a task's
// owner); deliveries settle on the producer's thread. readStateChangelog() runs on the calling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "consumer/correlation_task.h"
#include "consumer/durable_producer.h"
#include "consumer/task_state.h"
#include "sinks/kafka_client.h"

namespace auditstream {

struct ChangelogCounters {
  std::uint64_t checkpoints = 0;  // written (handed to the producer)
  std::uint64_t records = 0;      // key and task records
  std::uint64_t tombstones = 0;
  std::uint64_t bytes = 0;
};

class StateChangelog {
 public:
  explicit StateChangelog(std::unique_ptr<DurableProducer> producer) : producer_(std::move(producer)) {}

  void write(std::int32_t partition, TaskCheckpoint checkpoint, const CorrelationSet& correlations);
  bool flush(std::chrono::milliseconds timeout) { return producer_->flush(timeout); }
  ChangelogCounters counters() const { return counters_; }
  DurableProducer& producer() { return *producer_; }

 private:
  std::unique_ptr<DurableProducer> producer_;
  ChangelogCounters counters_;
};

// Reads `partitions` of the changelog `topic` from the start to their current end. Records it cannot
// read are skipped and counted in `badRecords`. Progress is logged every few seconds.
// Errors: unavailable (the topic cannot be read within `timeout`).
struct RestoreResult {
  std::map<std::int32_t, TaskSnapshot> snapshots;  // tasks with a completed checkpoint
  std::uint64_t records = 0;
  std::uint64_t badRecords = 0;
  std::chrono::milliseconds took{0};
};
Result<RestoreResult> readStateChangelog(const KafkaProperties& properties, const std::string& topic,
                                         const std::vector<std::int32_t>& partitions, std::chrono::milliseconds timeout,
                                         const Logger& log);

}  // namespace auditstream
