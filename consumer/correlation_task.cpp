#include "consumer/correlation_task.h"

namespace auditstream {
namespace {

constexpr auto kRebuildCatchUpBound = std::chrono::seconds(30);

}  // namespace

CorrelationTask::CorrelationTask(std::shared_ptr<const SignalCodec> codec, const CorrelationOptions& options,
                                 std::int64_t rebuildUntil, Logger log)
    : codec_(std::move(codec)),
      options_(options),
      rebuildUntil_(rebuildUntil),
      rebuilding_(true),
      log_(std::move(log)),
      thread_(makeThread()) {}

std::unique_ptr<CorrelationThread> CorrelationTask::makeThread() const {
  return std::make_unique<CorrelationThread>(std::make_unique<CorrelationEngine>(codec_->correlationsPtr(), options_),
                                             log_);
}

CorrelationTask::Source& CorrelationTask::sourceOf(const SignalSource& name) {
  auto [entry, inserted] = sources_.try_emplace(name);
  if (inserted) {
    entry->second.index = static_cast<std::uint32_t>(sources_.size() - 1);
    entry->second.rank = stableHash(name.topic + ":" + std::to_string(name.partition));
  }
  return entry->second;
}

std::optional<std::int64_t> CorrelationTask::take(std::int64_t offset, std::string_view bytes) {
  if (rebuilding_ && tracks(offset)) endRebuild();
  nextOffset_ = offset + 1;
  ++counters_.records;
  if (!tracks(offset)) ++counters_.rebuildRecords;
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
      record.signal.partition = source.index;
      record.signal.rank = source.rank;
      if (tracks(offset)) waitsFor = record.signal.time.nanosSinceEpoch;
      ++counters_.signals;
      thread_->add(std::move(record.signal));
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
  awaiting_.push_back({doneAt, std::move(effects)});
}

CorrelationTask::Round CorrelationTask::release(CorrelationThread::Fired fired) {
  Round round;
  round.alerts = std::move(fired.alerts);
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

void addCounts(TaskCounters& sum, const TaskCounters& more) {
  sum.records += more.records;
  sum.signals += more.signals;
  sum.copies += more.copies;
  sum.badRecords += more.badRecords;
  sum.rebuildRecords += more.rebuildRecords;
  sum.rebuildAlerts += more.rebuildAlerts;
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
