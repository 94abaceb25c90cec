#include "consumer/task_state.h"

#include <algorithm>

#include "engine/byte_codec.h"

namespace auditstream {
namespace {

constexpr char kTaskTag = 'T';
constexpr char kKeyTag = 'K';
constexpr char kVersion = 1;
constexpr std::uint64_t kMaxItems = std::numeric_limits<std::uint32_t>::max();

void encodeClocks(const EngineClocks& clocks, std::string& out) {
  putSigned(clocks.watermark, out);
  putSigned(clocks.earliestSeen, out);
  putSigned(clocks.latestSignal, out);
  putVarint(clocks.partitions.size(), out);
  for (const EngineClocks::Partition& partition : clocks.partitions) {
    putSigned(partition.clock, out);
    out += static_cast<char>(partition.idle ? 1 : 0);
    putVarint(partition.sequence, out);
  }
  putVarint(clocks.pendingOrigins.size(), out);
  std::int64_t previous = 0;
  for (const std::int64_t origin : clocks.pendingOrigins) {  // ascending: deltas of a byte or two
    putSigned(origin - previous, out);
    previous = origin;
  }
}

EngineClocks readClocks(ByteReader& in) {
  EngineClocks clocks;
  clocks.watermark = in.signedVarint();
  clocks.earliestSeen = in.signedVarint();
  clocks.latestSignal = in.signedVarint();
  for (std::uint64_t i = 0, n = in.count(kMaxItems); i < n && in.ok(); ++i) {
    EngineClocks::Partition& partition = clocks.partitions.emplace_back();
    partition.clock = in.signedVarint();
    partition.idle = in.byte() == 1;
    partition.sequence = in.varint();
  }
  std::int64_t previous = 0;
  for (std::uint64_t i = 0, n = in.count(kMaxItems); i < n && in.ok(); ++i) {
    previous += in.signedVarint();
    clocks.pendingOrigins.push_back(previous);
  }
  return clocks;
}

}  // namespace

std::string taskRecordKey(std::int32_t task) {
  std::string key(1, kTaskTag);
  putSigned(task, key);
  return key;
}

std::string keyRecordKey(std::int32_t task, std::string_view correlationId, std::string_view groupKey) {
  std::string key(1, kKeyTag);
  putSigned(task, key);
  putString(correlationId, key);
  key += groupKey;
  return key;
}

std::string encodeTaskMeta(const TaskMeta& meta) {
  std::string out(1, kVersion);
  putVarint(meta.checkpoint, out);
  putSigned(meta.nextOffset, out);
  encodeClocks(meta.clocks, out);
  putVarint(meta.sources.size(), out);
  for (const TaskSourceState& source : meta.sources) {
    putString(source.name.topic, out);
    putSigned(source.name.partition, out);
    putVarint(source.index, out);
    putSigned(source.lastOffset, out);
    putVarint(source.lastIndex, out);
  }
  return out;
}

std::string encodeKeyValue(std::uint64_t checkpoint, std::uint64_t fingerprint, std::string_view state) {
  std::string out(1, kVersion);
  putVarint(checkpoint, out);
  putVarint(fingerprint, out);
  out += state;
  return out;
}

Result<ChangelogRecord> decodeChangelogRecord(std::string_view key, std::optional<std::string_view> value) {
  ByteReader inKey(key);
  ChangelogRecord record;
  const char tag = inKey.byte();
  record.task = static_cast<std::int32_t>(inKey.signedVarint());
  if (tag != kTaskTag && tag != kKeyTag) return invalidArgument("state record: unknown record type");
  record.isTask = tag == kTaskTag;
  if (!record.isTask) {
    record.correlationId = inKey.string();
    record.groupKey = std::string(inKey.rest());  // the group key is the rest of the key's bytes
  }
  if (!inKey.ok()) return invalidArgument("state record key: " + inKey.problem());
  if (!value) {
    if (record.isTask) return invalidArgument("state record: a task record without a value");
    return record;
  }
  ByteReader in(*value);
  if (in.byte() != kVersion) return invalidArgument("state record: unknown version");
  if (record.isTask) {
    TaskMeta& meta = record.meta.emplace();
    meta.checkpoint = in.varint();
    meta.nextOffset = in.signedVarint();
    meta.clocks = readClocks(in);
    for (std::uint64_t i = 0, n = in.count(kMaxItems); i < n && in.ok(); ++i) {
      TaskSourceState& source = meta.sources.emplace_back();
      source.name.topic = in.string();
      source.name.partition = static_cast<std::int32_t>(in.signedVarint());
      source.index = static_cast<std::uint32_t>(in.varint());
      source.lastOffset = in.signedVarint();
      source.lastIndex = static_cast<std::uint32_t>(in.varint());
    }
    if (!in.ok()) return invalidArgument("state task record: " + in.problem());
    if (!in.atEnd()) return invalidArgument("state task record: bytes after the end");
    return record;
  }
  StoredKey& stored = record.stored.emplace();
  in.varint();  // the checkpoint's number: order is the changelog's
  stored.fingerprint = in.varint();
  if (!in.ok()) return invalidArgument("state key record: " + in.problem());
  stored.correlationId = record.correlationId;
  stored.key = record.groupKey;
  stored.state = std::string(in.rest());
  return record;
}

Status SnapshotBuilder::add(std::string_view key, std::optional<std::string_view> value) {
  Result<ChangelogRecord> decoded = decodeChangelogRecord(key, value);
  if (!decoded) return decoded.status();
  Building& task = tasks_[decoded->task];
  ++task.records;
  task.bytes += key.size() + (value ? value->size() : 0);
  if (!decoded->isTask) {
    task.staged.push_back({std::string(key), std::move(decoded->correlationId), std::move(decoded->groupKey),
                           std::move(decoded->stored)});
    return Status::ok();
  }
  task.meta = std::move(decoded->meta);  // a checkpoint completed: what it wrote counts
  for (Staged& staged : std::exchange(task.staged, {})) {
    task.keys[staged.recordKey] = Kept{task.order++, std::move(staged.stored)};
  }
  return Status::ok();
}

std::optional<TaskSnapshot> SnapshotBuilder::finish(std::int32_t task) {
  const auto found = tasks_.find(task);
  if (found == tasks_.end() || !found->second.meta) return std::nullopt;
  Building& building = found->second;
  TaskSnapshot snapshot;
  snapshot.meta = std::move(*building.meta);
  snapshot.records = building.records;
  snapshot.bytes = building.bytes;
  std::vector<Kept*> kept;
  for (auto& [recordKey, entry] : building.keys) {
    if (entry.stored) kept.push_back(&entry);
  }
  std::sort(kept.begin(), kept.end(), [](const Kept* a, const Kept* b) { return a->order < b->order; });
  for (Kept* entry : kept) snapshot.keys.push_back(std::move(*entry->stored));
  for (Staged& staged : building.staged) snapshot.unfinished.emplace_back(staged.correlationId, staged.groupKey);
  tasks_.erase(found);
  return snapshot;
}

}  // namespace auditstream
