// CorrelationEngine::carryOver: a reload keeps the windows of the correlations it did not change.
#include <algorithm>
#include <map>

#include "engine/correlation_engine_state.h"

namespace auditstream {

CorrelationEngine::CarriedOver CorrelationEngine::carryOver(std::shared_ptr<const CorrelationSet> correlations) {
  State& old = *state_;
  CarriedOver result;
  std::map<std::string, std::uint32_t> newById;
  for (std::uint32_t i = 0; i < correlations->size(); ++i) newById.emplace(correlations->at(i).meta->id, i);
  // Old correlation number → new one, for unchanged definitions.
  std::vector<std::optional<std::uint32_t>> mapped(old.correlations.size());
  for (std::uint32_t i = 0; i < old.correlations.size(); ++i) {
    const CompiledCorrelation& before = old.set->at(i);
    const auto found = newById.find(before.meta->id);
    if (found != newById.end() && correlations->at(found->second).fingerprint == before.fingerprint) {
      mapped[i] = found->second;
      result.keptCorrelations.push_back(before.meta->id);
      continue;
    }
    if (old.correlations[i].keys.empty()) continue;
    result.droppedCorrelations.push_back(before.meta->id);
    for (const KeyState& key : old.correlations[i].keys) result.droppedKeys.emplace_back(before.meta->id, *key.key);
  }

  result.engine = std::make_unique<CorrelationEngine>(correlations, old.options);
  State& next = *result.engine->state_;
  for (std::uint32_t i = 0; i < old.correlations.size(); ++i) {
    if (!mapped[i]) continue;
    next.correlations[*mapped[i]] = std::move(old.correlations[i]);  // list and index nodes keep their addresses
    next.counters.liveKeys += next.correlations[*mapped[i]].keys.size();
  }
  for (const auto& [closeTime, index, key] : old.closing) {
    if (mapped[index]) next.closing.emplace(closeTime, *mapped[index], key);
  }
  for (auto& [index, key] : old.changed) {
    if (mapped[index]) next.changed.emplace_back(*mapped[index], std::move(key));
  }
  next.partitionClock = std::move(old.partitionClock);
  next.partitionActive = std::move(old.partitionActive);
  next.partitionSequence = std::move(old.partitionSequence);
  next.partitionIdle = std::move(old.partitionIdle);
  next.slots = std::move(old.slots);
  next.freeSlots = std::move(old.freeSlots);
  while (!old.pending.empty()) {
    PendingSignal pending = old.pending.top();
    old.pending.pop();
    Signal& signal = next.slots[pending.slot];
    if (mapped[signal.correlation]) {
      signal.correlation = *mapped[signal.correlation];
      next.pending.push(pending);
    } else {
      ++result.droppedSignals;
      signal = Signal{};
      next.freeSlots.push_back(pending.slot);
    }
  }
  next.watermark = old.watermark;
  next.earliestSeen = old.earliestSeen;
  next.latestSignal = old.latestSignal;
  next.fired = std::move(old.fired);
  std::shared_ptr<const CorrelationSet> set = std::move(old.set);
  const CorrelationOptions options = old.options;
  *state_ = State{};  // `old` is this state: empty from here
  state_->set = std::move(set);
  state_->options = options;
  state_->correlations.resize(state_->set->size());
  return result;
}

}  // namespace auditstream
