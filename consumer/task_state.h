// TaskState: what a correlation task's state changelog (`<group.id>.state`, compacted) holds for it, and
// its bytes. Each checkpoint writes, to the changelog partition of the task's signals partition, a record
// per key whose window state changed (key: task, correlation id, group key; value: the checkpoint's number,
// the correlation's definition fingerprint and the key's state — no value: the key's state is gone), then
// the task's record (key: the task; value: TaskMeta). A checkpoint counts only once its task record is
// there: key records after the last task record belong to one cut short, and are dropped on restore.
//
// Plain data and functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "engine/correlation_engine.h"
#include "engine/signal_record.h"

namespace auditstream {

// A source as the task numbers it, and the last signal taken from it (copies are dropped).
struct TaskSourceState {
  SignalSource name;
  std::uint32_t index = 0;
  std::int64_t lastOffset = -1;
  std::uint32_t lastIndex = 0;
};

struct TaskMeta {
  std::uint64_t checkpoint = 0;
  // Every signals record before this offset is in the state (applied, or buffered: clocks.pendingOrigins,
  // read again on restore).
  std::int64_t nextOffset = 0;
  EngineClocks clocks;
  std::vector<TaskSourceState> sources;
};

// A key's state as the changelog holds it.
struct StoredKey {
  std::string correlationId;
  std::uint64_t fingerprint = 0;
  std::string key;
  std::string state;
};

// What a task restores from.
struct TaskSnapshot {
  TaskMeta meta;
  std::vector<StoredKey> keys;  // the last state of each key, in changelog order
  // Keys written by a checkpoint cut short (correlation id, key): the next checkpoint writes them again,
  // so that compaction never keeps their unfinished state over the last good one.
  std::vector<std::pair<std::string, std::string>> unfinished;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
};

// Record keys.
std::string taskRecordKey(std::int32_t task);
std::string keyRecordKey(std::int32_t task, std::string_view correlationId, std::string_view groupKey);

std::string encodeTaskMeta(const TaskMeta& meta);
std::string encodeKeyValue(std::uint64_t checkpoint, std::uint64_t fingerprint, std::string_view state);

// One changelog record read back. Errors: invalidArgument saying what is wrong with its bytes.
struct ChangelogRecord {
  bool isTask = false;
  std::int32_t task = 0;
  std::string correlationId;        // key records
  std::string groupKey;             // key records
  std::optional<StoredKey> stored;  // key records: none for a tombstone
  std::optional<TaskMeta> meta;     // task records
};
Result<ChangelogRecord> decodeChangelogRecord(std::string_view key, std::optional<std::string_view> value);

// Folds records in changelog order into a snapshot per task.
class SnapshotBuilder {
 public:
  Status add(std::string_view key, std::optional<std::string_view> value);
  // The snapshot of `task`, if a checkpoint of it was ever completed.
  std::optional<TaskSnapshot> finish(std::int32_t task);

 private:
  struct Kept {
    std::uint64_t order = 0;
    std::optional<StoredKey> stored;  // none: a tombstone
  };
  struct Staged {
    std::string recordKey;
    std::string correlationId;
    std::string groupKey;
    std::optional<StoredKey> stored;
  };
  struct Building {
    std::optional<TaskMeta> meta;
    std::unordered_map<std::string, Kept> keys;  // by record key, as of the last task record
    std::vector<Staged> staged;                  // since the last task record
    std::uint64_t order = 0;
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
  };
  std::map<std::int32_t, Building> tasks_;
};

}  // namespace auditstream
