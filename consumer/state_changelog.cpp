#include "consumer/state_changelog.h"

#include "consumer/group_consumer.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kRestoreLogEvery = std::chrono::seconds(5);

}  // namespace

void StateChangelog::write(std::int32_t partition, TaskCheckpoint checkpoint, const CorrelationSet& correlations) {
  // Settles the covered messages once the last of the checkpoint's records is acknowledged.
  struct Covering {
    std::atomic<std::size_t> outstanding;
    std::vector<std::shared_ptr<MessageEffects>> covered;
  };
  auto covering = std::make_shared<Covering>();
  covering->outstanding = checkpoint.gone.size() + checkpoint.keys.size() + 1;
  covering->covered = std::move(checkpoint.covered);
  const auto done = [covering] {
    if (covering->outstanding.fetch_sub(1) != 1) return;
    for (const auto& effects : covering->covered) effects->settle();
  };
  for (const auto& [correlationId, groupKey] : checkpoint.gone) {
    DurableRecord record;
    record.partition = partition;
    record.key = keyRecordKey(partition, correlationId, groupKey);
    record.tombstone = true;
    record.done = done;
    counters_.bytes += record.key.size();
    ++counters_.tombstones;
    producer_->send(std::move(record));
  }
  for (KeyChange& change : checkpoint.keys) {
    const CompiledCorrelation& correlation = correlations.at(change.correlation);
    DurableRecord record;
    record.partition = partition;
    record.key = keyRecordKey(partition, correlation.meta->id, change.key);
    if (change.state) {
      record.value = encodeKeyValue(checkpoint.meta.checkpoint, correlation.fingerprint, *change.state);
    } else {
      record.tombstone = true;
      ++counters_.tombstones;
    }
    counters_.bytes += record.key.size() + record.value.size();
    record.done = done;
    producer_->send(std::move(record));
  }
  DurableRecord task;
  task.partition = partition;
  task.key = taskRecordKey(partition);
  task.value = encodeTaskMeta(checkpoint.meta);
  counters_.bytes += task.key.size() + task.value.size();
  task.done = done;
  producer_->send(std::move(task));
  counters_.records += checkpoint.gone.size() + checkpoint.keys.size() + 1;
  ++counters_.checkpoints;
}

Result<RestoreResult> readStateChangelog(const KafkaProperties& properties, const std::string& topic,
                                         const std::vector<std::int32_t>& partitions, std::chrono::milliseconds timeout,
                                         const Logger& log) {
  const auto started = SteadyClock::now();
  RestoreResult result;
  if (partitions.empty()) return result;
  KafkaProperties reader = properties;
  reader.erase("group.id");  // an assigned reader, outside the group
  reader["group.id"] = properties.count("group.id") ? properties.at("group.id") + ".restore" : "auditstream.restore";
  reader["enable.auto.commit"] = "false";
  reader["enable.auto.offset.store"] = "false";
  // The end of a partition is where the reader's position reaches it, not its last record: transactional
  // writes (delivery: exactly_once) leave commit markers and aborted records that are never delivered.
  reader["enable.partition.eof"] = "true";
  reader["isolation.level"] = "read_committed";
  reader.erase("auto.offset.reset");
  // Big fetches: a restore reads whole partitions (1 M keys are ~135 MB); at the default 1 MB per
  // partition per fetch it spent most of its time waiting for round trips.
  reader.try_emplace("max.partition.fetch.bytes", "33554432");
  reader.try_emplace("fetch.max.bytes", "67108864");
  reader.erase("group.instance.id");
  ASSIGN_OR_RETURN(KafkaClientPtr consumer, makeKafkaClient(RD_KAFKA_CONSUMER, reader));
  // Where each partition ends now: records written later (by nobody: the task is ours) are not waited for.
  std::map<std::int32_t, std::int64_t> ends;
  KafkaPartitionListPtr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const std::int32_t partition : partitions) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    const rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), partition, &low,
                                                                       &high, static_cast<int>(timeout.count()));
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return unavailable("cannot read the state changelog '" + topic + "' partition " + std::to_string(partition) +
                         ": " + rd_kafka_err2str(error));
    }
    if (high > low) {
      ends[partition] = high;
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  SnapshotBuilder builder;
  if (!ends.empty()) {
    if (const rd_kafka_resp_err_t error = rd_kafka_assign(consumer.get(), assignment.get())) {
      return unavailable(std::string("cannot read the state changelog: ") + rd_kafka_err2str(error));
    }
    std::map<std::int32_t, std::int64_t> next;  // per partition: the next offset to read
    auto lastLog = SteadyClock::now();
    auto lastRecord = SteadyClock::now();
    while (std::any_of(ends.begin(), ends.end(), [&](const auto& end) { return next[end.first] < end.second; })) {
      KafkaMessagePtr message(rd_kafka_consumer_poll(consumer.get(), 100));
      const auto now = SteadyClock::now();
      if (now - lastRecord > timeout) {
        return unavailable("the state changelog '" + topic + "' stopped delivering records while restoring");
      }
      if (now - lastLog > kRestoreLogEvery) {
        lastLog = now;
        log.info("restoring correlation state", {{"records", result.records}});
      }
      if (!message) continue;
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {  // its offset: the position reached
        next[message->partition] = std::max(next[message->partition], message->offset);
        lastRecord = now;
        continue;
      }
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return unavailable("cannot read the state changelog '" + topic +
                           "': " + rd_kafka_message_errstr(message.get()));
      }
      lastRecord = now;
      next[message->partition] = message->offset + 1;
      ++result.records;
      const std::string_view key(static_cast<const char*>(message->key), message->key_len);
      std::optional<std::string_view> value;
      if (message->payload != nullptr)
        value = std::string_view(static_cast<const char*>(message->payload), message->len);
      if (!builder.add(key, value).isOk()) ++result.badRecords;
    }
  }
  for (const std::int32_t partition : partitions) {
    if (std::optional<TaskSnapshot> snapshot = builder.finish(partition)) {
      result.snapshots.emplace(partition, std::move(*snapshot));
    }
  }
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
  return result;
}

}  // namespace auditstream
