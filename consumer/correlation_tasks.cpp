#include "consumer/correlation_tasks.h"

#include <algorithm>

namespace auditstream {
namespace {

constexpr auto kCatchUpBound = std::chrono::seconds(5);  // well below session.timeout.ms (45 s)
// A correlation task lets go of a source that has sent nothing (not even progress) for this long.
constexpr auto kTaskSourceSilence = std::chrono::minutes(5);

}  // namespace

CorrelationTasks::CorrelationTasks(std::shared_ptr<const SignalCodec> codec, const CorrelationOptions& options,
                                   StateChangelog* changelog, CorrelationCommitGate& gate, AlertDispatch& dispatch,
                                   Logger log)
    : codec_(std::move(codec)),
      options_(options),
      changelog_(changelog),
      gate_(gate),
      dispatch_(dispatch),
      log_(std::move(log)) {
  // A task's sources are idle when their owners say so (progress records), not by its own clock: a
  // source whose owner died holds the watermark back until its next owner reads on or reports it idle,
  // so what that owner had not read yet is not made late. Only a source silent far longer than any
  // rebalance takes (a deleted topic's partition, which no owner will report again) is let go.
  options_.idleTimeout = std::max<std::chrono::nanoseconds>(kTaskSourceSilence, 4 * options.idleTimeout);
  options_.signalsMoveClocks = false;
}

CorrelationTask& CorrelationTasks::taskFor(const StreamName& stream, Source& source) {
  auto found = tasks_.find(stream.index);
  if (found == tasks_.end()) {
    auto task = std::make_unique<CorrelationTask>(codec_, options_, stream.rebuildUntil,
                                                  log_.child("task-" + std::to_string(stream.partition)),
                                                  changelog_ != nullptr, source.takeRestoredState(stream));
    found = tasks_.emplace(stream.index, Owned{stream.partition, std::move(task)}).first;
  }
  return *found->second.task;
}

void CorrelationTasks::retire(std::uint32_t stream) {
  const auto found = tasks_.find(stream);
  if (found == tasks_.end()) return;
  // Its checkpoints not yet written never will be: the partition's next owner (maybe this member again)
  // restores from the last one written, and their messages stay uncommitted.
  std::erase_if(clearing_, [&](const Clearing& clearing) { return clearing.partition == found->second.partition; });
  addCounts(retiredEngines_, found->second.task->engineCounters(), false);
  addCounts(retiredTasks_, found->second.task->counters());
  tasks_.erase(found);
}

void CorrelationTasks::routeRound(const Owned& owned, CorrelationTask::Round round) {
  const CorrelationCommitGate::Round gateRound = gate_.open(round.alerts.size());
  for (Alert& alert : round.alerts) {
    dispatch_.route(std::move(alert), [gate = &gate_, gateRound] { gate->acknowledge(gateRound); });
  }
  std::vector<std::function<void()>> then;
  for (TaskCheckpoint& checkpoint : round.checkpoints) {
    auto cleared = std::make_shared<std::atomic<bool>>(false);
    then.emplace_back([cleared] { cleared->store(true); });
    clearing_.push_back({owned.partition, std::move(checkpoint), codec_->correlationsPtr(), cleared});
  }
  gate_.release(gateRound, std::move(round.released), std::move(then));
}

void CorrelationTasks::route(bool catchUp) {
  for (auto& [index, owned] : tasks_) {
    routeRound(owned, catchUp ? owned.task->takeFiredAfterCatchingUp(kCatchUpBound) : owned.task->takeFired());
  }
}

void CorrelationTasks::checkpoint() {
  if (changelog_ == nullptr) return;
  for (auto& [index, owned] : tasks_) owned.task->checkpoint();
}

// In the order taken: a task's checkpoints reach its changelog partition in order, each after the alerts
// that fired ahead of it were acknowledged.
void CorrelationTasks::writeCleared() {
  while (!clearing_.empty() && clearing_.front().cleared->load()) {
    Clearing& front = clearing_.front();
    changelog_->write(front.partition, std::move(front.checkpoint), *front.correlations);
    clearing_.pop_front();
  }
}

void CorrelationTasks::finishAll() {
  for (auto& [index, owned] : tasks_) routeRound(owned, owned.task->finishAndReplace(codec_));
}

void CorrelationTasks::replaceCorrelations(std::shared_ptr<const SignalCodec> codec) {
  codec_ = std::move(codec);
  for (auto& [index, owned] : tasks_) routeRound(owned, owned.task->replaceCorrelations(codec_));
}

std::map<std::uint32_t, std::int64_t> CorrelationTasks::nextOffsets() const {
  std::map<std::uint32_t, std::int64_t> offsets;
  for (const auto& [index, owned] : tasks_) offsets[index] = owned.task->nextOffset();
  return offsets;
}

std::size_t CorrelationTasks::awaiting() const {
  std::size_t awaiting = 0;
  for (const auto& [index, owned] : tasks_) awaiting += owned.task->awaiting();
  return awaiting;
}

TaskTotals CorrelationTasks::totals() const {
  TaskTotals totals;
  totals.correlations = retiredEngines_;
  totals.tasks = retiredTasks_;
  totals.tasks.sources = 0;
  for (const auto& [index, owned] : tasks_) {
    const CorrelationCounters engine = owned.task->engineCounters();
    addCounts(totals.correlations, engine, true);
    addCounts(totals.tasks, owned.task->counters());
    totals.watermarks[owned.partition] = owned.task->watermark();
    totals.liveKeys[owned.partition] = engine.liveKeys;
  }
  totals.owned = tasks_.size();
  return totals;
}

std::string CorrelationTasks::problems() const {
  std::string problems;
  for (const auto& [index, owned] : tasks_) {
    const std::string problem = owned.task->problem();
    if (problem.empty()) continue;
    if (!problems.empty()) problems += "; ";
    problems += problem;
  }
  return problems;
}

}  // namespace auditstream
