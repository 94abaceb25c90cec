// CorrelationEngine::State: the engine's windows, clocks and buffered signals. Internal to engine/: the
// engine's files share it — correlation_engine.cpp (clocks, the buffer and the order of application, keys,
// firing), correlation_windows.cpp (what a signal does to its key's window, per correlation type) and
// correlation_checkpoint.cpp (changed keys out, a checkpoint's state in). Owned by the engine's one thread.
#pragma once

#include <cstdint>
#include <limits>
#include <list>
#include <queue>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "engine/correlation_engine.h"
#include "engine/correlation_key_state.h"

namespace auditstream {

struct CorrelationState {
  std::list<KeyState> keys;  // most recently seen first
  std::unordered_map<std::string, std::list<KeyState>::iterator> index;
};

// A buffered signal's place in the application order; the signal itself stays in a slot (moving whole
// Signals through the heap dominated the cost).
// Ties of event time go by audit ID (a hash of it), which is the same whichever partition an event was
// shipped to: a shipper that keys by nothing spreads one request's events, and a scenario's events of
// one second, over partitions at random, and replay, one member and a group must still decide alike.
struct PendingSignal {
  std::int64_t time;
  std::uint64_t tie;
  std::uint64_t rank;
  std::uint32_t partition;
  std::uint64_t sequence;
  std::uint32_t slot;
  bool operator>(const PendingSignal& other) const {
    return std::tie(time, tie, rank, partition, sequence) >
           std::tie(other.time, other.tie, other.rank, other.partition, other.sequence);
  }
};

struct CorrelationEngine::State {
  static constexpr std::int64_t kEndOfTime = std::numeric_limits<std::int64_t>::max();

  std::shared_ptr<const CorrelationSet> set;
  CorrelationOptions options;
  CorrelationCounters counters;
  std::vector<CorrelationState> correlations;
  std::vector<std::int64_t> partitionClock;           // latest event time per partition
  std::vector<Clock::MonotonicTime> partitionActive;  // when each partition last saw an event
  std::vector<std::uint64_t> partitionSequence;
  std::vector<bool> partitionIdle;  // said to be idle (markIdle) since its last event
  std::priority_queue<PendingSignal, std::vector<PendingSignal>, std::greater<>> pending;
  std::vector<Signal> slots;
  std::vector<std::uint32_t> freeSlots;
  // Close-decided windows: (close time, correlation, key), checked as the watermark passes.
  std::set<std::tuple<std::int64_t, std::uint32_t, std::string>> closing;
  std::int64_t watermark = std::numeric_limits<std::int64_t>::min();
  std::int64_t earliestSeen = std::numeric_limits<std::int64_t>::max();  // observeStart() and signals
  std::int64_t latestSignal = std::numeric_limits<std::int64_t>::min();
  std::vector<Alert> fired;
  // trackChanges: keys changed (or gone) since the last checkpoint; a key may be listed more than once.
  std::vector<std::pair<std::uint32_t, std::string>> changed;

  // correlation_engine.cpp
  void ensurePartition(std::uint32_t partition);
  std::int64_t computeWatermark();
  KeyState& keyFor(std::uint32_t index, const Signal& signal);
  void forget(std::uint32_t index, const std::string& key);
  void noteChanged(std::uint32_t index, KeyState& state);
  void fire(std::uint32_t index, KeyState& state, EventTime windowStart, EventTime last, std::uint64_t count,
            const std::string& extraKey, int depth, const AlertEvidence& evidence,
            const std::optional<AlertProvenance>& provenance);
  bool suppressedAt(KeyState& state, EventTime time);
  void closeWindows(std::int64_t until);
  void drain(std::int64_t until);

  // correlation_windows.cpp
  void apply(const Signal& signal, int depth);
};

}  // namespace auditstream
