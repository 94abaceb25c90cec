// CorrelationEngine's checkpoints (a correlation task's state changelog): the keys changed since the
// last one, out; a checkpoint's clocks and key states, in.
#include <algorithm>
#include <unordered_set>

#include "engine/correlation_engine_state.h"

namespace auditstream {

EngineCheckpoint CorrelationEngine::takeChanges() {
  State& state = *state_;
  EngineCheckpoint checkpoint;
  EngineClocks& clocks = checkpoint.clocks;
  clocks.watermark = state.watermark;
  clocks.earliestSeen = state.earliestSeen;
  clocks.latestSignal = state.latestSignal;
  for (std::size_t p = 0; p < state.partitionClock.size(); ++p) {
    clocks.partitions.push_back({state.partitionClock[p], state.partitionIdle[p], state.partitionSequence[p]});
  }
  for (const Signal& slot : state.slots) {
    if (slot.origin >= 0) clocks.pendingOrigins.push_back(slot.origin);
  }
  std::sort(clocks.pendingOrigins.begin(), clocks.pendingOrigins.end());
  clocks.pendingOrigins.erase(std::unique(clocks.pendingOrigins.begin(), clocks.pendingOrigins.end()),
                              clocks.pendingOrigins.end());

  struct Hash {
    std::size_t operator()(const std::pair<std::uint32_t, std::string>& key) const {
      return std::hash<std::string>()(key.second) ^ key.first;
    }
  };
  std::unordered_set<std::pair<std::uint32_t, std::string>, Hash> written;
  for (auto& entry : std::exchange(state.changed, {})) {
    if (!written.insert(entry).second) continue;
    KeyChange& change = checkpoint.keys.emplace_back();
    change.correlation = entry.first;
    change.key = std::move(entry.second);
    CorrelationState& correlation = state.correlations[change.correlation];
    const auto found = correlation.index.find(change.key);
    if (found == correlation.index.end()) continue;  // gone: a tombstone
    found->second->changed = false;
    encodeKeyState(*found->second, change.state.emplace());
  }
  return checkpoint;
}

void CorrelationEngine::restoreClocks(const EngineClocks& clocks) {
  State& state = *state_;
  state.watermark = clocks.watermark;
  state.earliestSeen = clocks.earliestSeen;
  state.latestSignal = clocks.latestSignal;
  for (std::size_t p = 0; p < clocks.partitions.size(); ++p) {
    const auto partition = static_cast<std::uint32_t>(p);
    state.ensurePartition(partition);
    state.partitionClock[p] = clocks.partitions[p].clock;
    state.partitionIdle[p] = clocks.partitions[p].idle;
    state.partitionSequence[p] = clocks.partitions[p].sequence;
  }
}

void CorrelationEngine::noteChanged(std::uint32_t correlation, std::string key) {
  state_->changed.emplace_back(correlation, std::move(key));
}

Status CorrelationEngine::restoreKey(std::uint32_t correlation, std::string key, std::string_view bytes) {
  State& state = *state_;
  if (correlation >= state.correlations.size()) return invalidArgument("correlation state: no such correlation");
  Result<KeyState> decoded = decodeKeyState(bytes);
  if (!decoded) {
    ++state.counters.badState;
    return decoded.status();
  }
  CorrelationState& keys = state.correlations[correlation];
  const CompiledCorrelation& compiled = state.set->at(correlation);
  const auto closesAt = [&](const KeyState& keyState) -> std::optional<std::int64_t> {
    if (!keyState.extra || !keyState.extra->windowStart || !compiled.spec.condition.decidedAtClose()) return {};
    return keyState.extra->windowStart->nanosSinceEpoch + compiled.spec.timespanNanos;
  };
  if (const auto found = keys.index.find(key); found != keys.index.end()) {  // a later record of the key
    if (const auto close = closesAt(*found->second)) state.closing.erase({*close, correlation, key});
    keys.keys.erase(found->second);
    keys.index.erase(found);
    --state.counters.liveKeys;
  }
  // Restored in changelog order, each to the front: the key changed longest ago is evicted first.
  keys.keys.push_front(std::move(*decoded));
  const auto inserted = keys.index.emplace(std::move(key), keys.keys.begin()).first;
  KeyState& restored = keys.keys.front();
  restored.key = &inserted->first;
  ++state.counters.liveKeys;
  if (const auto close = closesAt(restored)) state.closing.emplace(*close, correlation, inserted->first);
  return Status::ok();
}

}  // namespace auditstream
