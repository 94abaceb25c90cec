// Source: where the pipeline's input comes from (ARCHITECTURE.md, Data flow). A source delivers batches of
// input messages, each a view of its bytes with its position — a stream (a Kafka topic-partition, a file)
// numbered densely from 0, and an offset that grows within it — plus a cluster hint, the message's own
// time, and an owner that keeps the bytes alive (zero-copy: a Kafka message stays librdkafka's until its
// owner goes). The pipeline commits positions back once every effect of the messages before them is
// done, pauses the source for back-pressure, and hears of streams assigned and revoked (a consumer
// group's rebalance) so that it can drain and commit what it holds for them first.
//
// Implementations: KafkaSource (consumer group, librdkafka C API), FileSource (replay: files or stdin).
// The audit webhook receiver is meant to be one more.
//
// Every method is called by the pipeline's polling thread, except wake() (any thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "consumer/task_state.h"
#include "engine/event_time.h"

namespace auditstream {

// What a stream is called: the Kafka topic and partition, or a file name (partition 0). Alerts carry it
// as provenance, dead letters as their source, and the cluster name may come from the topic.
struct StreamName {
  std::string topic;
  std::int32_t partition = 0;
  std::uint32_t index = 0;  // the dense number the source gave it
  // A Kafka partition: alerts carry topic/partition/offset as provenance and it has a correlation clock of
  // its own. A file's streams are a split of one input: no provenance, one clock.
  bool positional = true;
  // A partition of the signals topic (a correlation task's input, not audit events). Its messages
  // before `rebuildUntil` (the committed offset) only rebuild the task's windows.
  bool signals = false;
  std::int64_t rebuildUntil = 0;
};

// Releases what an InputMessage's bytes point into (a librdkafka message, a buffer).
using MessageOwner = std::unique_ptr<void, void (*)(void*)>;

struct InputMessage {
  const StreamName* stream = nullptr;  // stable while the source lives
  std::int64_t offset = 0;             // increasing within the stream
  std::string_view payload;
  std::optional<std::string_view> clusterHint;  // e.g. the configured Kafka header's value
  std::optional<EventTime> time;                // the message's own timestamp: event time of last resort
  MessageOwner owner{nullptr, [](void* /*unused*/) {}};
};

struct StreamPosition {
  std::uint32_t stream = 0;
  std::int64_t next = 0;  // the offset to resume from: everything before it is done
};

class SourceListener {
 public:
  virtual ~SourceListener() = default;
  virtual void assigned(std::span<const StreamName* const> streams) = 0;
  // Before the streams go to another owner: finish and commit what is held for them (bounded).
  virtual void revoking(std::span<const StreamName* const> streams) = 0;
};

// How far behind its input the source is, for progress lines and /readyz.
struct SourceStatus {
  std::size_t assignedStreams = 0;  // input streams (signals partitions not counted)
  std::int64_t lag = 0;             // messages not yet delivered, summed (when known)
  bool ready = true;                // assigned and caught up within the bound
  std::string notReadyBecause;      // when not ready
};

class Source {
 public:
  Source() = default;
  virtual ~Source() = default;
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  virtual void setListener(SourceListener* listener) = 0;
  // Appends up to `max` messages to `out`, waiting up to `timeout` when none is ready. Assignment changes
  // are reported to the listener from inside poll().
  virtual void poll(std::vector<InputMessage>& out, std::size_t max, std::chrono::milliseconds timeout) = 0;
  // Lanes: a source that can keep its streams in `lanes` separate queues (stream index % lanes — one
  // per worker, as the pipeline places streams) says yes; pollLanes() then takes at most room[lane]
  // messages from each, so a busy worker's backlog waits in the source while the other workers go on.
  virtual bool splitIntoLanes(std::size_t /*lanes*/) { return false; }
  // Appends up to room[lane] messages of each lane (room.size() lanes), waiting up to `timeout` when
  // none is ready; serves assignment changes like poll(), even when every room is 0. Without lanes: poll().
  virtual void pollLanes(std::vector<InputMessage>& out, std::span<const std::size_t> room,
                         std::chrono::milliseconds timeout) {
    std::size_t total = 0;
    for (const std::size_t each : room) total += each;
    poll(out, total, timeout);
  }
  // Makes a waiting poll() return early (any thread).
  virtual void wake() = 0;
  // No message will ever come again (the end of a file); a consumer group never ends.
  virtual bool exhausted() const = 0;
  // Exactly-once sources commit the positions in the open output transaction, with every output written
  // since the last commit; failedPrecondition: that transaction was aborted instead (call rewind());
  // internal: the source can never commit again (its producer was fenced: the member must stop).
  virtual Status commit(std::span<const StreamPosition> positions, bool synchronous) = 0;
  // Exactly-once: aborts the open transaction (everything written since the last commit is discarded).
  virtual void abort(const std::string& /*reason*/) {}
  // Exactly-once, after an abort: every assigned stream starts again from its committed position, as
  // after a rebalance that gave them back — the listener hears revoking() and assigned() for them (and
  // must not commit in between). Nothing elsewhere.
  virtual void rewind() {}
  // Stops (or resumes) delivering messages; false when it cannot.
  virtual bool pause(bool paused) = 0;
  virtual SourceStatus status() const = 0;
  // The offset the next message written to `stream` will get (a partition's high watermark), where the
  // source can tell.
  virtual std::optional<std::int64_t> endOffset(const StreamName& /*stream*/) { return std::nullopt; }
  // A signals stream's correlation state, restored from the state changelog on assignment (once: the
  // snapshot is handed over). Nothing where the source keeps no changelog or the task had no checkpoint.
  virtual std::optional<TaskSnapshot> takeRestoredState(const StreamName& /*stream*/) { return std::nullopt; }
  // Leaves the consumer group, closes files. Nothing is delivered after it.
  virtual void close() = 0;
};

}  // namespace auditstream
