// KafkaSource: the consumer-group Source (librdkafka's C API on the hot path). Subscribes with the
// service's properties (group_consumer.h: offsets stored and committed by the pipeline only, eager range
// assignment unless configured), polls batches from the consumer queue, and hands the messages over
// without copying: each InputMessage owns its rd_kafka_message_t. A topic-partition is numbered on first
// sight (StreamName::index never changes, so the per-message path carries no topic string; messages come
// in runs from one partition, so the last partition found answers most lookups). Rebalances are reported
// to the listener before librdkafka's assignment changes; librdkafka's statistics give each partition's
// lag, from which status() decides readiness.
//
// Lanes (splitIntoLanes, one per worker): each assigned partition's queue is forwarded, before the
// assignment takes effect, to the queue of the lane its stream belongs to (index % lanes), so the
// pipeline takes from a lane only when its worker has room and the rest of a backlog waits in librdkafka
// (which stops fetching a partition whose queue is full: no pause, nothing fetched twice). The consumer
// queue then carries only rebalances and errors (and messages fetched before a forward took effect:
// taken first, whatever the room). One eventfd wakes a waiting poll: librdkafka writes it when the
// consumer queue or a lane turns non-empty, wake() when a worker hands outcomes back.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "common/log.h"
#include "common/result.h"
#include "config/service_config.h"
#include "consumer/consumer_lag.h"
#include "consumer/source.h"
#include "consumer/transactional_producer.h"
#include "sinks/kafka_client.h"
#include "sinks/kafka_handles.h"

namespace auditstream {

class KafkaSource final : public Source {
 public:
  // Errors: a bad property, a refused subscription. With correlation.signals: topic the signals topic
  // is subscribed too; on assignment each of its partitions starts `rebuildWindow` (wall time) before
  // its committed offset (StreamName::rebuildUntil), so its task can rebuild its windows.
  static Result<std::unique_ptr<KafkaSource>> subscribe(const ServiceConfig& config, Logger log = {},
                                                        std::chrono::milliseconds rebuildWindow = {});
  ~KafkaSource() override;

  void setListener(SourceListener* listener) override { listener_ = listener; }
  void poll(std::vector<InputMessage>& out, std::size_t max, std::chrono::milliseconds timeout) override;
  bool splitIntoLanes(std::size_t lanes) override;
  void pollLanes(std::vector<InputMessage>& out, std::span<const std::size_t> room,
                 std::chrono::milliseconds timeout) override;
  void wake() override;
  bool exhausted() const override { return false; }
  Status commit(std::span<const StreamPosition> positions, bool synchronous) override;
  void abort(const std::string& reason) override;
  void rewind() override;
  // delivery: exactly_once — positions are committed in `producer`'s transactions (with this consumer's
  // group metadata: a member the group moved on from has its commit refused), not by the consumer.
  void commitThrough(TransactionalProducer* producer) { transactions_ = producer; }
  bool pause(bool paused) override;
  SourceStatus status() const override;
  void close() override;

  // Each assigned partition's lag as librdkafka's statistics last reported it (for the lag gauges).
  const std::map<PartitionKey, std::int64_t>& lagByPartition() const { return lag_; }
  std::optional<std::int64_t> endOffset(const StreamName& stream) override;
  std::optional<TaskSnapshot> takeRestoredState(const StreamName& stream) override;
  std::uint64_t restoreRecords() const { return restoreRecords_; }  // changelog records read to restore
  // Told before a restore from the state changelog starts (on the polling thread, inside poll()), and
  // after it ended: /readyz says why it is not ready meanwhile.
  void onRestoring(std::function<void(bool restoring)> hook) { restoringHook_ = std::move(hook); }

 private:
  KafkaSource(const ServiceConfig& config, std::chrono::milliseconds rebuildWindow, Logger log)
      : readyMaxLag_(config.readyMaxLag),
        clusterHeader_(config.cluster.header),
        signalsTopic_(config.signalsTopicInUse()),
        stateTopic_(config.stateTopicInUse()),
        kafka_(config.kafka),
        rebuildWindow_(rebuildWindow),
        log_(std::move(log)) {}
  // Reads the state changelog of the signals partitions in `signals` (committed offsets filled in);
  // each one with a usable checkpoint starts at the checkpoint (its snapshot kept for its task).
  // Returns the signals partitions left to rebuild.
  KafkaPartitionListPtr restoreStates(const rd_kafka_topic_partition_list_t& signals,
                                      rd_kafka_topic_partition_list_t& partitions);
  StreamName& nameOf(const PartitionKey& key);
  // Signals partitions in `partitions` get their start offset (and their streams rebuildUntil).
  void setRebuildStarts(rd_kafka_topic_partition_list_t& partitions);
  const StreamName& streamOf(const rd_kafka_message_t& message);
  // Takes up to `max` messages from `queue` (waiting up to `timeoutMs`) into `out`; how many it took.
  std::size_t take(rd_kafka_queue_t* queue, int timeoutMs, std::size_t max, std::vector<InputMessage>& out);
  void append(rd_kafka_message_t* message, std::vector<InputMessage>& out);
  void forwardToLanes(std::span<const StreamName* const> streams);
  std::vector<const StreamName*> namesOf(const rd_kafka_topic_partition_list_t& partitions);
  static void onRebalance(rd_kafka_t* consumer, rd_kafka_resp_err_t event, rd_kafka_topic_partition_list_t* partitions,
                          void* opaque);
  static int onStatistics(rd_kafka_t* client, char* json, std::size_t length, void* opaque);

  std::int64_t readyMaxLag_;
  std::string clusterHeader_;  // its value is a message's cluster hint
  std::string signalsTopic_;   // empty: correlations in process
  std::string stateTopic_;     // empty: no state changelog (tasks rebuild)
  KafkaProperties kafka_;      // for the changelog's reader
  std::function<void(bool)> restoringHook_;
  std::uint64_t restoreRecords_ = 0;
  std::map<std::uint32_t, TaskSnapshot> restored_;  // by stream index, until its task takes it
  std::chrono::milliseconds rebuildWindow_;
  Logger log_;
  SourceListener* listener_ = nullptr;
  TransactionalProducer* transactions_ = nullptr;
  std::deque<StreamName> streams_;  // never moves: messages point at their stream
  std::map<PartitionKey, std::uint32_t> index_;
  const rd_kafka_topic_t* lastTopic_ = nullptr;
  const StreamName* last_ = nullptr;
  std::vector<PartitionKey> assigned_;
  std::map<PartitionKey, std::int64_t> lag_;
  std::vector<rd_kafka_message_t*> raw_;  // poll()'s batch buffer
  bool closed_ = false;
  KafkaClientPtr consumer_;  // destroyed before what its callbacks use
  KafkaQueuePtr queue_;
  std::vector<KafkaQueuePtr> lanes_;                        // empty: no lanes
  std::map<std::uint32_t, KafkaQueuePtr> partitionQueues_;  // by stream index, forwarded to its lane
  int ready_ = -1;                                          // eventfd: a queue turned non-empty, or wake()
};

}  // namespace auditstream
