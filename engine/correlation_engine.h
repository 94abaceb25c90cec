// CorrelationEngine: the windows of correlation rules, in event time (ARCHITECTURE.md, Time and windows).
//
// Signals are buffered and applied in (event time, audit ID, partition, arrival) order once the watermark — the
// minimum over input partitions of the latest event time seen, minus the allowed lateness — has passed
// them, so the same input gives the same alerts whatever the batch sizes, thread count or interleaving of
// partitions (each partition's own order kept). Signals older than the watermark are counted as late and
// still applied. Windows slide for gt/gte conditions and fire when the condition first holds (then the
// key is suppressed for `suppress`, default the timespan); lt/lte/eq/neq are decided when a window that
// began at its first event closes. State per correlation is capped with least-recently-seen eviction.
//
// Owned by one thread (one shard); not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "engine/alert.h"
#include "engine/correlation_set.h"
#include "engine/signal.h"

namespace auditstream {

struct CorrelationOptions {
  std::int64_t allowedLatenessNanos = 5'000'000'000;
  std::size_t maxKeysPerCorrelation = 100'000;
  // Idle detection: a partition without events for `idleTimeout` of (monotonic) clock time no longer
  // holds the watermark back, until it sees an event again. Off without a clock (replay, tests).
  const Clock* clock = nullptr;
  std::chrono::nanoseconds idleTimeout = std::chrono::seconds(30);
  // A signal moves its partition's clock to its time. Off for a correlation task, whose sources' clocks
  // come from their owners' progress records only: a progress record follows every signal it covers, so
  // a signal is never applied before one of equal or lower time from another source has arrived.
  bool signalsMoveClocks = true;
  // Note which keys change, for takeChanges() (a correlation task with a state changelog).
  bool trackChanges = false;
  // first_seen: values known per group key; past it the least recently seen is forgotten (counted).
  std::size_t maxKnownValuesPerKey = 10'000;
};

struct CorrelationCounters {
  std::uint64_t signals = 0;
  std::uint64_t late = 0;        // applied after the watermark had passed their time
  std::uint64_t duplicates = 0;  // the same auditID again in a window (another stage of one request)
  std::uint64_t evictions = 0;   // keys dropped by the per-correlation cap
  std::uint64_t fired = 0;
  std::size_t idlePartitions = 0;
  std::uint64_t suppressed = 0;  // condition held again within the suppression period
  std::size_t liveKeys = 0;
  std::uint64_t knownValueEvictions = 0;  // first_seen values forgotten by the per-key cap
  std::uint64_t badState = 0;             // restored key states that could not be read (dropped)
};

// A checkpoint of the engine (a correlation task's state changelog): its clocks and the signals it still
// buffers, by where they were read, and the keys whose window state changed since the last checkpoint.
struct EngineClocks {
  std::int64_t watermark = std::numeric_limits<std::int64_t>::min();
  std::int64_t earliestSeen = std::numeric_limits<std::int64_t>::max();
  std::int64_t latestSignal = std::numeric_limits<std::int64_t>::min();
  struct Partition {
    std::int64_t clock = std::numeric_limits<std::int64_t>::min();
    bool idle = false;
    std::uint64_t sequence = 0;
  };
  std::vector<Partition> partitions;
  std::vector<std::int64_t> pendingOrigins;  // Signal::origin of the signals not yet applied (ascending)
};
struct KeyChange {
  std::uint32_t correlation = 0;
  std::string key;                   // groupKeyOf()
  std::optional<std::string> state;  // encodeKeyState(); none: the key's state is gone
};
struct EngineCheckpoint {
  EngineClocks clocks;
  std::vector<KeyChange> keys;
};

// Adds `more`'s counts to `sum`; the gauges (idlePartitions, liveKeys) only when `withGauges`.
void addCounts(CorrelationCounters& sum, const CorrelationCounters& more, bool withGauges);

class CorrelationEngine {
 public:
  CorrelationEngine(std::shared_ptr<const CorrelationSet> correlations, CorrelationOptions options);
  ~CorrelationEngine();
  CorrelationEngine(const CorrelationEngine&) = delete;
  CorrelationEngine& operator=(const CorrelationEngine&) = delete;

  // Every event (matching or not) moves its partition's clock. (The stream's start, for first_seen's
  // learning, is observeStart()'s and the signals' earliest time.)
  void observe(std::uint32_t partition, EventTime time);
  // The stream has events this early (a source's first event, as its owner reports it): first_seen's
  // learning period starts no later than the earliest such time. Moves no clock.
  void observeStart(EventTime time);
  // `partition` has seen nothing new for a while (its owner says so): it no longer holds the watermark
  // back until its next observe() or signal. `latest` moves its clock like observe() (the minimum
  // time: an owner that has read nothing of it yet).
  void markIdle(std::uint32_t partition, EventTime latest);
  // Buffers a signal; it is applied once the watermark passes its time.
  void add(Signal signal);
  // One message's part (EventProcessor's ProcessResult): its latest event time moves `partition`'s
  // clock, its signals are buffered.
  void add(std::uint32_t partition, std::optional<EventTime> latest, std::vector<Signal> signals);
  // Applies what the watermark has passed, closes ended windows; returns the alerts that fired.
  std::vector<Alert> advance();
  // End of input: everything buffered is applied and every open window closed.
  std::vector<Alert> finish();

  // trackChanges: the clocks, and every key changed since the last call (its state, or that it is gone).
  EngineCheckpoint takeChanges();
  // Restore, before anything else is added: the clocks of a checkpoint, then each key's last state.
  void restoreClocks(const EngineClocks& clocks);
  // The key's state goes into the next takeChanges() whether or not it changes (gone: as gone).
  void noteChanged(std::uint32_t correlation, std::string key);
  // Errors: bytes that are not a key state (the key is dropped and counted in badState).
  Status restoreKey(std::uint32_t correlation, std::string key, std::string_view state);

  // New rules (a reload): the state of every correlation whose definition is unchanged (same id, same
  // fingerprint) moves to an engine for `correlations` — open windows stay open, nothing fires — with the
  // clocks and the buffered signals of those correlations. The rest is dropped: `dropped` gets the
  // (correlation id, key) of each key dropped. This engine is left empty.
  struct CarriedOver {
    std::unique_ptr<CorrelationEngine> engine;
    std::vector<std::string> keptCorrelations;     // ids
    std::vector<std::string> droppedCorrelations;  // ids of correlations changed or removed that had state
    std::vector<std::pair<std::string, std::string>> droppedKeys;
    std::size_t droppedSignals = 0;
  };
  CarriedOver carryOver(std::shared_ptr<const CorrelationSet> correlations);

  const CorrelationCounters& counters() const;
  // Signals at or before this event time have been applied (nanoseconds since the epoch).
  std::int64_t appliedThrough() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace auditstream
