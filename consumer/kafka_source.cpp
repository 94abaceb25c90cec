#include "consumer/kafka_source.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "consumer/group_consumer.h"
#include "consumer/state_changelog.h"

namespace auditstream {
namespace {

void destroyMessage(void* message) { rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(message)); }

}  // namespace

Result<std::unique_ptr<KafkaSource>> KafkaSource::subscribe(const ServiceConfig& config, Logger log,
                                                            std::chrono::milliseconds rebuildWindow) {
  auto source = std::unique_ptr<KafkaSource>(new KafkaSource(config, rebuildWindow, std::move(log)));
  ASSIGN_OR_RETURN(source->consumer_, subscribeGroupConsumer(config, {source.get(), &KafkaSource::onRebalance,
                                                                      &KafkaSource::onStatistics}));
  source->queue_.reset(rd_kafka_queue_get_consumer(source->consumer_.get()));
  return source;
}

KafkaSource::~KafkaSource() {
  close();
  partitionQueues_.clear();
  lanes_.clear();
  if (ready_ >= 0) ::close(ready_);
}

void KafkaSource::poll(std::vector<InputMessage>& out, std::size_t max, std::chrono::milliseconds timeout) {
  take(queue_.get(), static_cast<int>(timeout.count()), max, out);
}

bool KafkaSource::splitIntoLanes(std::size_t lanes) {
  if (lanes == 0 || !lanes_.empty() || !assigned_.empty()) return false;  // before the first assignment only
  ready_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ready_ < 0) return false;
  static constexpr std::uint64_t kOne = 1;  // an eventfd takes 8-byte writes
  rd_kafka_queue_io_event_enable(queue_.get(), ready_, &kOne, sizeof kOne);
  for (std::size_t i = 0; i < lanes; ++i) {
    lanes_.emplace_back(rd_kafka_queue_new(consumer_.get()));
    rd_kafka_queue_io_event_enable(lanes_.back().get(), ready_, &kOne, sizeof kOne);
  }
  return true;
}

void KafkaSource::pollLanes(std::vector<InputMessage>& out, std::span<const std::size_t> room,
                            std::chrono::milliseconds timeout) {
  if (lanes_.empty()) return Source::pollLanes(out, room, timeout);
  constexpr std::size_t kCallbacksAndStragglers = 1000;
  const std::size_t before = out.size();
  for (int attempt = 0; attempt < 2; ++attempt) {
    // The consumer queue first: rebalances are served here, and a message on it (fetched before its
    // partition was forwarded) is older than anything of that partition on a lane.
    while (take(queue_.get(), 0, kCallbacksAndStragglers, out) == kCallbacksAndStragglers) {
    }
    for (std::size_t lane = 0; lane < lanes_.size() && lane < room.size(); ++lane) {
      if (room[lane] > 0) take(lanes_[lane].get(), 0, room[lane], out);
    }
    if (out.size() > before || attempt == 1 || timeout.count() <= 0) return;
    pollfd ready{ready_, POLLIN, 0};
    ::poll(&ready, 1, static_cast<int>(timeout.count()));
    std::uint64_t count = 0;
    while (::read(ready_, &count, sizeof count) > 0) {
    }
  }
}

std::size_t KafkaSource::take(rd_kafka_queue_t* queue, int timeoutMs, std::size_t max, std::vector<InputMessage>& out) {
  if (raw_.size() < max) raw_.resize(max);  // reused: no allocation per poll
  const ssize_t count = rd_kafka_consume_batch_queue(queue, timeoutMs, raw_.data(), max);
  for (ssize_t i = 0; i < count; ++i) append(raw_[static_cast<std::size_t>(i)], out);
  return count > 0 ? static_cast<std::size_t>(count) : 0;
}

void KafkaSource::append(rd_kafka_message_t* message, std::vector<InputMessage>& out) {
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      log_.warn("consume error", {{"error", rd_kafka_message_errstr(message)}});
    }
    rd_kafka_message_destroy(message);
    return;
  }
  InputMessage& input = out.emplace_back();
  input.stream = &streamOf(*message);
  input.offset = message->offset;
  input.payload = {static_cast<const char*>(message->payload), message->len};
  rd_kafka_timestamp_type_t type{};
  if (const std::int64_t ms = rd_kafka_message_timestamp(message, &type); ms > 0)
    input.time = EventTime{ms * 1'000'000};
  rd_kafka_headers_t* headers = nullptr;
  const void* value = nullptr;
  std::size_t size = 0;
  if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      rd_kafka_header_get_last(headers, clusterHeader_.c_str(), &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      value != nullptr) {
    input.clusterHint = std::string_view(static_cast<const char*>(value), size);
  }
  input.owner = MessageOwner(message, &destroyMessage);
}

const StreamName& KafkaSource::streamOf(const rd_kafka_message_t& message) {
  if (last_ != nullptr && lastTopic_ == message.rkt && last_->partition == message.partition) return *last_;
  lastTopic_ = message.rkt;
  last_ = &nameOf({rd_kafka_topic_name(message.rkt), message.partition});
  return *last_;
}

StreamName& KafkaSource::nameOf(const PartitionKey& key) {
  auto found = index_.find(key);
  if (found == index_.end()) {
    const auto index = static_cast<std::uint32_t>(streams_.size());
    StreamName& name = streams_.emplace_back(StreamName{key.first, key.second, index});
    name.signals = !signalsTopic_.empty() && key.first == signalsTopic_;
    found = index_.emplace(key, index).first;
  }
  return streams_[found->second];
}

std::optional<std::int64_t> KafkaSource::endOffset(const StreamName& stream) {
  constexpr int kTimeoutMs = 5'000;
  std::int64_t low = 0;
  std::int64_t high = 0;
  if (rd_kafka_query_watermark_offsets(consumer_.get(), stream.topic.c_str(), stream.partition, &low, &high,
                                       kTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  return high;
}

void KafkaSource::wake() {
  if (ready_ >= 0) {
    const std::uint64_t one = 1;
    (void)!::write(ready_, &one, sizeof one);
  } else if (queue_) {
    rd_kafka_queue_yield(queue_.get());
  }
}

Status KafkaSource::commit(std::span<const StreamPosition> positions, bool synchronous) {
  if ((positions.empty() && transactions_ == nullptr) || closed_) return Status::ok();
  KafkaPartitionListPtr offsets(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
  for (const StreamPosition& position : positions) {
    const StreamName& stream = streams_.at(position.stream);
    rd_kafka_topic_partition_list_add(offsets.get(), stream.topic.c_str(), stream.partition)->offset = position.next;
  }
  if (transactions_ != nullptr) {
    const KafkaGroupMetadataPtr group(rd_kafka_consumer_group_metadata(consumer_.get()));
    switch (transactions_->commit(*offsets, group.get())) {
      case TransactionalProducer::Outcome::kCommitted: return Status::ok();
      case TransactionalProducer::Outcome::kAborted:
        return failedPrecondition("transaction aborted: " + transactions_->why());
      case TransactionalProducer::Outcome::kFatal: return internalError(transactions_->why());
    }
  }
  const rd_kafka_resp_err_t error = rd_kafka_commit(consumer_.get(), offsets.get(), synchronous ? 0 : 1);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    return unavailable(std::string("commit: ") + rd_kafka_err2str(error));
  }
  return Status::ok();
}

void KafkaSource::abort(const std::string& reason) {
  if (transactions_ != nullptr) transactions_->abort(reason);
}

// The assignment as it is, revoked and assigned again from the committed offsets (the signals
// partitions from their changelog checkpoints), through the same steps as a rebalance.
void KafkaSource::rewind() {
  if (transactions_ == nullptr || closed_) return;
  rd_kafka_topic_partition_list_t* current = nullptr;
  if (rd_kafka_assignment(consumer_.get(), &current) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  const KafkaPartitionListPtr partitions(current);
  log_.warn("rewinding every assigned partition to its committed offset", {{"partitions", partitions->cnt}});
  onRebalance(consumer_.get(), RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS, partitions.get(), this);
  for (int i = 0; i < partitions->cnt; ++i) partitions->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
  onRebalance(consumer_.get(), RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, partitions.get(), this);
}

bool KafkaSource::pause(bool paused) { return pauseAssignment(consumer_.get(), paused); }

SourceStatus KafkaSource::status() const {
  SourceStatus status;
  for (const PartitionKey& key : assigned_) status.assignedStreams += key.first == signalsTopic_ ? 0U : 1U;
  for (const auto& [key, behind] : lag_) status.lag += behind;
  const Readiness readiness = decideReadiness(assigned_, lag_, readyMaxLag_);
  status.ready = readiness.ready;
  status.notReadyBecause = readiness.why;
  return status;
}

void KafkaSource::close() {
  if (closed_ || !consumer_) return;
  closed_ = true;
  rd_kafka_consumer_close(consumer_.get());
}

std::vector<const StreamName*> KafkaSource::namesOf(const rd_kafka_topic_partition_list_t& partitions) {
  std::vector<const StreamName*> names;
  for (int i = 0; i < partitions.cnt; ++i)
    names.push_back(&nameOf({partitions.elems[i].topic, partitions.elems[i].partition}));
  return names;
}

void KafkaSource::onRebalance(rd_kafka_t* consumer, rd_kafka_resp_err_t event,
                              rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* source = static_cast<KafkaSource*>(opaque);
  source->last_ = nullptr;  // topic handles may go with the partitions
  source->lastTopic_ = nullptr;
  const std::vector<const StreamName*> names = source->namesOf(*partitions);
  if (event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    source->assigned_.clear();
    for (const StreamName* name : names) source->assigned_.emplace_back(name->topic, name->partition);
    source->forwardToLanes(names);  // before assign(): a forward the application set is never replaced
    source->setRebuildStarts(*partitions);
    rd_kafka_assign(consumer, partitions);
    if (source->listener_ != nullptr) source->listener_->assigned(names);
    return;
  }
  if (source->listener_ != nullptr) source->listener_->revoking(names);
  for (const StreamName* name : names) source->lag_.erase({name->topic, name->partition});
  source->assigned_.clear();
  rd_kafka_assign(consumer, nullptr);
}

// A signals partition starts where its windows can be rebuilt: the first record of the last
// `rebuildWindow` (record timestamps are the signals' produce times), or its committed offset if that
// is earlier. Records before the committed offset only rebuild (StreamName::rebuildUntil). Without a
// committed offset (a new group) it starts at the rebuild bound, or at the end as it is now.
void KafkaSource::setRebuildStarts(rd_kafka_topic_partition_list_t& partitions) {
  constexpr int kTimeoutMs = 10'000;
  KafkaPartitionListPtr signals(rd_kafka_topic_partition_list_new(partitions.cnt));
  for (int i = 0; i < partitions.cnt; ++i) {
    if (!signalsTopic_.empty() && signalsTopic_ == partitions.elems[i].topic) {
      rd_kafka_topic_partition_list_add(signals.get(), partitions.elems[i].topic, partitions.elems[i].partition);
    }
  }
  if (signals->cnt == 0) return;
  if (const rd_kafka_resp_err_t error = rd_kafka_committed(consumer_.get(), signals.get(), kTimeoutMs)) {
    log_.warn("cannot read the signals partitions' committed offsets; tasks start without a rebuild",
              {{"error", rd_kafka_err2str(error)}});
  }
  if (!stateTopic_.empty()) {
    signals = restoreStates(*signals, partitions);
    if (signals->cnt == 0) return;
  }
  KafkaPartitionListPtr times(rd_kafka_topic_partition_list_copy(signals.get()));
  const auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch() - rebuildWindow_)
                         .count();
  for (int i = 0; i < times->cnt; ++i) times->elems[i].offset = bound;
  if (const rd_kafka_resp_err_t error = rd_kafka_offsets_for_times(consumer_.get(), times.get(), kTimeoutMs)) {
    log_.warn("cannot look up the signals partitions' rebuild bound", {{"error", rd_kafka_err2str(error)}});
    for (int i = 0; i < times->cnt; ++i) times->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
  }
  for (int i = 0; i < signals->cnt; ++i) {
    const rd_kafka_topic_partition_t& committed = signals->elems[i];
    std::int64_t start = times->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR ? times->elems[i].offset : -1;
    if (start < 0) {  // no record since the bound: from the end as it is now (not as it is when fetching starts)
      std::int64_t low = 0;
      std::int64_t high = 0;
      if (rd_kafka_query_watermark_offsets(consumer_.get(), committed.topic, committed.partition, &low, &high,
                                           kTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        start = high;
      }
    }
    const bool hasCommit = committed.err == RD_KAFKA_RESP_ERR_NO_ERROR && committed.offset >= 0;
    if (hasCommit) start = start < 0 ? committed.offset : std::min(start, committed.offset);
    if (start < 0) start = 0;
    StreamName& name = nameOf({committed.topic, committed.partition});
    name.rebuildUntil = hasCommit ? committed.offset : start;
    rd_kafka_topic_partition_list_find(&partitions, committed.topic, committed.partition)->offset = start;
    log_.info("correlation task assigned",
              {{"partition", committed.partition}, {"from", start}, {"committed", name.rebuildUntil}});
  }
}

// A checkpoint is usable unless the partition's committed offset is past it (the changelog is older than
// the group's progress: it was off, or recreated). A task without one rebuilds from the signals topic.
// Restored partitions leave `signals`; the rest stay for the rebuild.
KafkaPartitionListPtr KafkaSource::restoreStates(const rd_kafka_topic_partition_list_t& signals,
                                                 rd_kafka_topic_partition_list_t& partitions) {
  constexpr auto kRestoreTimeout = std::chrono::seconds(60);
  std::vector<std::int32_t> numbers;
  for (int i = 0; i < signals.cnt; ++i) numbers.push_back(signals.elems[i].partition);
  if (restoringHook_) restoringHook_(true);
  Result<RestoreResult> restored = readStateChangelog(kafka_, stateTopic_, numbers, kRestoreTimeout, log_);
  if (restoringHook_) restoringHook_(false);
  if (!restored) {
    log_.error("cannot restore the correlation state; tasks rebuild from the signals topic",
               {{"error", restored.status().message()}});
    return KafkaPartitionListPtr(rd_kafka_topic_partition_list_copy(&signals));
  }
  restoreRecords_ += restored->records;
  log_.info("correlation state read", {{"partitions", numbers.size()},
                                       {"checkpoints", restored->snapshots.size()},
                                       {"records", restored->records},
                                       {"bad_records", restored->badRecords},
                                       {"took_ms", restored->took.count()}});
  KafkaPartitionListPtr rest(rd_kafka_topic_partition_list_new(signals.cnt));
  for (int i = 0; i < signals.cnt; ++i) {
    const rd_kafka_topic_partition_t& committed = signals.elems[i];
    const auto found = restored->snapshots.find(committed.partition);
    const bool hasCommit = committed.err == RD_KAFKA_RESP_ERR_NO_ERROR && committed.offset >= 0;
    if (found != restored->snapshots.end() && hasCommit && committed.offset > found->second.meta.nextOffset) {
      log_.warn("the state changelog is older than the committed offset; the task rebuilds instead",
                {{"partition", committed.partition},
                 {"checkpoint_offset", found->second.meta.nextOffset},
                 {"committed", committed.offset}});
    } else if (found != restored->snapshots.end()) {
      TaskSnapshot& snapshot = found->second;
      const std::vector<std::int64_t>& buffered = snapshot.meta.clocks.pendingOrigins;
      const std::int64_t start =
          buffered.empty() ? snapshot.meta.nextOffset : std::min(buffered.front(), snapshot.meta.nextOffset);
      StreamName& name = nameOf({committed.topic, committed.partition});
      name.rebuildUntil = snapshot.meta.nextOffset;
      rd_kafka_topic_partition_list_find(&partitions, committed.topic, committed.partition)->offset = start;
      log_.info("correlation task assigned", {{"partition", committed.partition},
                                              {"from", start},
                                              {"checkpoint", snapshot.meta.checkpoint},
                                              {"resume_offset", snapshot.meta.nextOffset}});
      restored_[name.index] = std::move(snapshot);
      continue;
    }
    rd_kafka_topic_partition_t* kept =
        rd_kafka_topic_partition_list_add(rest.get(), committed.topic, committed.partition);
    kept->offset = committed.offset;
    kept->err = committed.err;
  }
  return rest;
}

std::optional<TaskSnapshot> KafkaSource::takeRestoredState(const StreamName& stream) {
  const auto found = restored_.find(stream.index);
  if (found == restored_.end()) return std::nullopt;
  TaskSnapshot snapshot = std::move(found->second);
  restored_.erase(found);
  return snapshot;
}

// Each stream's partition queue goes to its lane (again on every assignment: a fresh handle, in case
// librdkafka made the partition anew). The forward stays after a revocation; what was fetched for a
// revoked partition is discarded by librdkafka's version barrier wherever it waits.
void KafkaSource::forwardToLanes(std::span<const StreamName* const> streams) {
  if (lanes_.empty()) return;
  for (const StreamName* stream : streams) {
    KafkaQueuePtr queue(rd_kafka_queue_get_partition(consumer_.get(), stream->topic.c_str(), stream->partition));
    if (!queue) continue;  // unknown partition: its messages, if any, come on the consumer queue
    rd_kafka_queue_forward(queue.get(), lanes_[stream->index % lanes_.size()].get());
    partitionQueues_[stream->index] = std::move(queue);
  }
}

// librdkafka statistics (JSON, on the polling thread): how far behind each assigned partition is.
int KafkaSource::onStatistics(rd_kafka_t* /*client*/, char* json, std::size_t length, void* opaque) {
  auto* source = static_cast<KafkaSource*>(opaque);
  for (const PartitionLag& lag : consumerLagFromStatistics({json, length})) {
    // Statistics gathered before a rebalance may still name partitions this member no longer owns.
    const PartitionKey key{lag.topic, lag.partition};
    if (std::find(source->assigned_.begin(), source->assigned_.end(), key) == source->assigned_.end()) continue;
    source->lag_[key] = lag.lag;
  }
  return 0;  // librdkafka frees the JSON
}

}  // namespace auditstream
