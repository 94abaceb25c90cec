#include "consumer/correlation_task.h"

#include <algorithm>

namespace auditstream {
namespace {

constexpr auto kRebuildCatchUpBound = std::chrono::seconds(30);

}  // namespace

CorrelationTask::CorrelationTask(std::shared_ptr<const SignalCodec> codec, const CorrelationOptions& options,
                                 std::int64_t rebuildUntil, Logger log, bool changelog,
                                 std::optional<TaskSnapshot> restored)
    : codec_(std::move(codec)),
      options_(options),
      rebuildUntil_(rebuildUntil),
      rebuilding_(!restored),
      log_(std::move(log)),
      changelog_(changelog) {
  options_.trackChanges = changelog_;
  if (restored) {
    thread_ = std::make_unique<CorrelationThread>(restore(std::move(*restored)), log_);
  } else {
    thread_ = makeThread();
  }
}

// The engine as the checkpoint left it; the sources as it numbered them. Keys of a correlation whose
// definition changed (or that is gone) are dropped: a changed correlation starts afresh.
std::unique_ptr<CorrelationEngine> CorrelationTask::restore(TaskSnapshot snapshot) {
  auto engine = std::make_unique<CorrelationEngine>(codec_->correlationsPtr(), options_);
  const CorrelationSet& correlations = codec_->correlations();
  engine->restoreClocks(snapshot.meta.clocks);
  std::map<std::string, std::uint64_t> droppedBy;  // correlation id → keys dropped
  for (StoredKey& stored : snapshot.keys) {
    const std::optional<std::uint32_t> index = codec_->indexOf(stored.correlationId);
    if (!index || correlations.at(*index).fingerprint != stored.fingerprint) {
      ++droppedBy[stored.correlationId];
      continue;
    }
    if (!engine->restoreKey(*index, std::move(stored.key), stored.state).isOk()) continue;
    ++counters_.restoredKeys;
  }
  for (auto& [correlationId, key] : snapshot.unfinished) {
    if (const std::optional<std::uint32_t> index = codec_->indexOf(correlationId)) engine->noteChanged(*index, key);
  }
  for (const auto& [correlationId, keys] : droppedBy) {
    counters_.droppedKeys += keys;
    log_.warn("correlation state dropped: the correlation changed or is gone since its checkpoint",
              {{"correlation", correlationId}, {"keys", keys}});
  }
  for (const TaskSourceState& source : snapshot.meta.sources) {
    Source& restored = sources_[source.name];
    restored.index = source.index;
    restored.rank = rankOf(source.name);
    restored.lastOffset = source.lastOffset;
    restored.lastIndex = source.lastIndex;
    nextSourceIndex_ = std::max(nextSourceIndex_, source.index + 1);
  }
  restoring_ = std::move(snapshot.meta.clocks.pendingOrigins);
  checkpoints_ = snapshot.meta.checkpoint;
  nextOffset_ = snapshot.meta.nextOffset;
  log_.info("correlation task restored its state", {{"checkpoint", snapshot.meta.checkpoint},
                                                    {"keys", counters_.restoredKeys},
                                                    {"dropped_keys", counters_.droppedKeys},
                                                    {"buffered_signals", restoring_.size()},
                                                    {"changelog_records", snapshot.records},
                                                    {"changelog_bytes", snapshot.bytes},
                                                    {"resume_offset", snapshot.meta.nextOffset}});
  return engine;
}

std::unique_ptr<CorrelationThread> CorrelationTask::makeThread() const {
  return std::make_unique<CorrelationThread>(std::make_unique<CorrelationEngine>(codec_->correlationsPtr(), options_),
                                             log_);
}

CorrelationTask::Source& CorrelationTask::sourceOf(const SignalSource& name) {
  auto [entry, inserted] = sources_.try_emplace(name);
  if (inserted) {
    entry->second.index = nextSourceIndex_++;  // after the restored sources' numbers
    entry->second.rank = rankOf(name);
  }
  return entry->second;
}

std::uint64_t CorrelationTask::rankOf(const SignalSource& name) {
  return stableHash(name.topic + ":" + std::to_string(name.partition));
}

void CorrelationTask::feed(const Source& source, std::int64_t offset, Signal signal) {
  signal.partition = source.index;
  signal.rank = source.rank;
  if (changelog_) signal.origin = offset;
  ++counters_.signals;
  thread_->add(std::move(signal));
}

std::optional<std::int64_t> CorrelationTask::take(std::int64_t offset, std::string_view bytes) {
  if (rebuilding_ && tracks(offset)) endRebuild();
  lastTaken_ = std::max(lastTaken_, offset);
  nextOffset_ = std::max(nextOffset_, offset + 1);
  ++counters_.records;
  if (!tracks(offset) && rebuilding_) ++counters_.rebuildRecords;
  if (!rebuilding_ && !tracks(offset)) {  // restored: only the signals the checkpoint still buffered
    ++counters_.rereadRecords;
    if (!std::binary_search(restoring_.begin(), restoring_.end(), offset)) return std::nullopt;
    Result<DecodedRecord> decoded = codec_->decode(bytes);
    if (!decoded || !std::holds_alternative<SignalRecord>(*decoded)) return std::nullopt;
    auto& record = std::get<SignalRecord>(*decoded);
    feed(sourceOf(record.source), offset, std::move(record.signal));
    return std::nullopt;
  }
  std::optional<std::int64_t> waitsFor;
  Result<DecodedRecord> decoded = codec_->decode(bytes);
  if (!decoded) {
    if (counters_.badRecords++ == 0) {
      log_.warn("skipping a signals record that cannot be read",
                {{"offset", offset}, {"error", decoded.status().message()}});
    }
  } else if (auto* progress = std::get_if<ProgressRecord>(&*decoded)) {
    const Source& source = sourceOf(progress->source);
    thread_->observeStart(EventTime{progress->startNanos});
    if (progress->idle) {
      thread_->markIdle(source.index, EventTime{progress->watermarkNanos});
    } else {
      thread_->observe(source.index, EventTime{progress->watermarkNanos});
    }
  } else {
    auto& record = std::get<SignalRecord>(*decoded);
    Source& source = sourceOf(record.source);
    if (source.lastOffset > record.offset || (source.lastOffset == record.offset && source.lastIndex >= record.index)) {
      ++counters_.copies;
    } else {
      source.lastOffset = record.offset;
      source.lastIndex = record.index;
      if (tracks(offset)) waitsFor = record.signal.time.nanosSinceEpoch;
      feed(source, offset, std::move(record.signal));
    }
  }
  if (rebuilding_ && offset + 1 == rebuildUntil_) endRebuild();
  return waitsFor;
}

// Everything before the committed offset is applied (bounded wait); what it fired was the previous
// owner's to route, and it did before committing.
void CorrelationTask::endRebuild() {
  rebuilding_ = false;
  if (counters_.rebuildRecords == 0) return;
  CorrelationThread::Fired fired = thread_->takeFiredAfterCatchingUp(kRebuildCatchUpBound);
  counters_.rebuildAlerts += fired.alerts.size();
  appliedThrough_ = fired.appliedThrough;
  log_.info("correlation task rebuilt its windows",
            {{"records", counters_.rebuildRecords}, {"alerts_already_routed", fired.alerts.size()}});
}

void CorrelationTask::await(std::int64_t doneAt, std::shared_ptr<MessageEffects> effects) {
  if (changelog_) {
    uncovered_.push_back(std::move(effects));
  } else {
    awaiting_.push_back({doneAt, std::move(effects)});
  }
}

void CorrelationTask::checkpoint() {
  // Not before the restored checkpoint's buffered signals are all taken again: one taken now would not
  // have them (they would be lost with the next restore).
  if (!restoring_.empty() && lastTaken_ < restoring_.back()) return;
  if (nextOffset_ == checkpointedOffset_ && gone_.empty() && uncovered_.empty() && !routedSinceCheckpoint_) {
    return;  // nothing new: no record taken, no alert routed since the last one
  }
  routedSinceCheckpoint_ = false;
  checkpointedOffset_ = nextOffset_;
  Requested& requested = requested_.emplace_back();
  requested.id = ++checkpoints_;
  requested.meta.checkpoint = requested.id;
  requested.meta.nextOffset = nextOffset_;
  for (const auto& [name, source] : sources_) {
    requested.meta.sources.push_back({name, source.index, source.lastOffset, source.lastIndex});
  }
  requested.covered = std::exchange(uncovered_, {});
  requested.gone = std::exchange(gone_, {});
  ++counters_.checkpoints;
  thread_->checkpoint(requested.id);
}

CorrelationTask::Round CorrelationTask::release(CorrelationThread::Fired fired) {
  Round round;
  round.alerts = std::move(fired.alerts);
  // The next checkpoint must come even without a new record: alerts that fired after the last one
  // (its signals were buffered then) are reflected only in a later one.
  if (!round.alerts.empty()) routedSinceCheckpoint_ = true;
  for (auto& [id, engineCheckpoint] : fired.checkpoints) {
    while (!requested_.empty() && requested_.front().id <= id) {
      Requested requested = std::move(requested_.front());
      requested_.pop_front();
      if (requested.id != id) continue;  // never expected: each request comes back once, in order
      TaskCheckpoint& checkpoint = round.checkpoints.emplace_back();
      checkpoint.meta = std::move(requested.meta);
      checkpoint.meta.clocks = std::move(engineCheckpoint.clocks);
      checkpoint.keys = std::move(engineCheckpoint.keys);
      checkpoint.covered = std::move(requested.covered);
      checkpoint.gone = std::move(requested.gone);
    }
  }
  appliedThrough_ = fired.appliedThrough;
  std::erase_if(awaiting_, [&](Waiting& waiting) {
    if (waiting.doneAt > appliedThrough_) return false;
    round.released.push_back(std::move(waiting.effects));
    return true;
  });
  return round;
}

CorrelationTask::Round CorrelationTask::takeFired() {
  if (rebuilding_) return {};  // nothing tracked yet: what fires now belongs to the rebuild
  return release(thread_->takeFired());
}

CorrelationTask::Round CorrelationTask::takeFiredAfterCatchingUp(std::chrono::milliseconds bound) {
  if (rebuilding_) return {};
  return release(thread_->takeFiredAfterCatchingUp(bound));
}

CorrelationTask::Round CorrelationTask::finishAndReplace(std::shared_ptr<const SignalCodec> codec) {
  Round round = release(thread_->finish());
  if (rebuilding_) round.alerts.clear();
  codec_ = std::move(codec);
  addCounts(finishedEngines_, thread_->counters(), false);
  thread_ = makeThread();  // sources keep their numbers and what was taken from them (copies stay dropped)
  return round;
}

CorrelationTask::Round CorrelationTask::replaceCorrelations(std::shared_ptr<const SignalCodec> codec) {
  auto [fired, engine] = thread_->stop();
  Round round = release(std::move(fired));
  if (rebuilding_) round.alerts.clear();
  addCounts(finishedEngines_, thread_->counters(), false);
  CorrelationEngine::CarriedOver carried = engine->carryOver(codec->correlationsPtr());
  for (const std::string& id : carried.droppedCorrelations) {
    log_.warn("correlation state dropped: the correlation changed or is gone",
              {{"correlation", id},
               {"keys", std::count_if(carried.droppedKeys.begin(), carried.droppedKeys.end(),
                                      [&](const auto& key) { return key.first == id; })}});
  }
  counters_.droppedKeys += carried.droppedKeys.size();
  if (changelog_) {
    for (auto& key : carried.droppedKeys) gone_.push_back(std::move(key));
  }
  codec_ = std::move(codec);
  thread_ = std::make_unique<CorrelationThread>(std::move(carried.engine), log_);
  return round;
}

void addCounts(TaskCounters& sum, const TaskCounters& more) {
  sum.records += more.records;
  sum.signals += more.signals;
  sum.copies += more.copies;
  sum.badRecords += more.badRecords;
  sum.rebuildRecords += more.rebuildRecords;
  sum.rebuildAlerts += more.rebuildAlerts;
  sum.rereadRecords += more.rereadRecords;
  sum.restoredKeys += more.restoredKeys;
  sum.droppedKeys += more.droppedKeys;
  sum.checkpoints += more.checkpoints;
  sum.sources += more.sources;
}

CorrelationCounters CorrelationTask::engineCounters() const {
  CorrelationCounters counters = finishedEngines_;
  addCounts(counters, thread_->counters(), true);
  return counters;
}

TaskCounters CorrelationTask::counters() const {
  TaskCounters counters = counters_;
  counters.sources = sources_.size();
  return counters;
}

}  // namespace auditstream
