#include "engine/correlation_engine.h"

#include <algorithm>
#include <limits>
#include <list>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

#include "engine/signal_record.h"  // stableHash

namespace auditstream {
namespace {

constexpr std::int64_t kEndOfTime = std::numeric_limits<std::int64_t>::max();
constexpr int kMaxChainDepth = 8;

struct Entry {
  EventTime time;
  std::string auditId;
};

// The window state of one group key of one correlation.
// State that only some correlation types need, allocated on first use so that the common key (an
// event_count with a few events) stays small.
struct KeyExtra {
  std::map<std::string, EventTime> values;          // value_count: value → latest; first_seen: value → last seen
  std::map<std::string, std::string> introducedBy;  // first_seen: value → auditID of the event that brought it
  std::vector<std::optional<EventTime>> steps;      // temporal: latest per rule; ordered: chain start per step
  std::optional<EventTime> windowStart;             // close-decided windows: the first event
  std::uint64_t total = 0;                          // close-decided windows: events counted
  AlertEvidence evidence;                           // close-decided windows: of the latest event
  std::optional<AlertProvenance> provenance;
};

// The window state of one group key of one correlation. The key text (cluster + group-by values) is
// stored once, in the index; alerts rebuild cluster and group-by from it.
struct KeyState {
  const std::string* key = nullptr;
  std::vector<Entry> entries;  // event_count: window events (time order); others: evidence
  std::int64_t suppressedUntil = std::numeric_limits<std::int64_t>::min();
  std::unique_ptr<KeyExtra> extra;

  KeyExtra& more() {
    if (!extra) extra = std::make_unique<KeyExtra>();
    return *extra;
  }
};

struct CorrelationState {
  std::list<KeyState> keys;  // most recently seen first
  std::unordered_map<std::string, std::list<KeyState>::iterator> index;
};

// A buffered signal's place in the application order; the signal itself stays in a slot (moving whole
// Signals through the heap dominated the cost).
// Ties of event time go by audit ID (a hash of it), which is the same whichever partition an event was
// shipped to: a shipper that keys by nothing spreads one request's events, and a scenario's events of
// one second, over partitions at random, and replay, one member and a group must still decide alike.
struct Pending {
  std::int64_t time;
  std::uint64_t tie;
  std::uint64_t rank;
  std::uint32_t partition;
  std::uint64_t sequence;
  std::uint32_t slot;
  bool operator>(const Pending& other) const {
    return std::tie(time, tie, rank, partition, sequence) >
           std::tie(other.time, other.tie, other.rank, other.partition, other.sequence);
  }
};

void keepRecent(std::vector<Entry>& entries, std::size_t cap) {
  if (entries.size() > cap) entries.erase(entries.begin(), entries.end() - static_cast<std::ptrdiff_t>(cap));
}

}  // namespace

std::string groupKeyOf(const Signal& signal) {
  std::string key = signal.cluster;
  for (const auto& [field, value] : signal.groupBy) (key += '\x1f') += value;
  return key;
}

struct CorrelationEngine::State {
  std::shared_ptr<const CorrelationSet> set;
  CorrelationOptions options;
  CorrelationCounters counters;
  std::vector<CorrelationState> correlations;
  std::vector<std::int64_t> partitionClock;           // latest event time per partition
  std::vector<Clock::MonotonicTime> partitionActive;  // when each partition last saw an event
  std::vector<std::uint64_t> partitionSequence;
  std::vector<bool> partitionIdle;  // said to be idle (markIdle) since its last event
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending;
  std::vector<Signal> slots;
  std::vector<std::uint32_t> freeSlots;
  // Close-decided windows: (close time, correlation, key), checked as the watermark passes.
  std::set<std::tuple<std::int64_t, std::uint32_t, std::string>> closing;
  std::int64_t watermark = std::numeric_limits<std::int64_t>::min();
  std::int64_t earliestSeen = std::numeric_limits<std::int64_t>::max();  // observeStart() and signals
  std::int64_t latestSignal = std::numeric_limits<std::int64_t>::min();
  std::vector<Alert> fired;

  // A partition not seen before joins with no clock (holding the watermark back until it has one).
  void ensurePartition(std::uint32_t partition) {
    if (partitionClock.size() > partition) return;
    partitionClock.resize(partition + 1, std::numeric_limits<std::int64_t>::min());
    partitionSequence.resize(partition + 1, 0);
    partitionActive.resize(partition + 1,
                           options.clock != nullptr ? options.clock->monotonicNow() : Clock::MonotonicTime{});
    partitionIdle.resize(partition + 1, false);
  }

  std::int64_t computeWatermark() {
    std::optional<std::int64_t> slowest;
    std::size_t idle = 0;
    const auto now = options.clock != nullptr ? options.clock->monotonicNow() : Clock::MonotonicTime{};
    for (std::size_t p = 0; p < partitionClock.size(); ++p) {
      if (partitionIdle[p] || (options.clock != nullptr && now - partitionActive[p] > options.idleTimeout)) {
        ++idle;  // idle: does not hold the others back
        continue;
      }
      slowest = std::min(slowest.value_or(partitionClock[p]), partitionClock[p]);
    }
    counters.idlePartitions = idle;
    if (!slowest) {
      // Every partition idle: the stream is quiet. The lateness was waited for in wall-clock time, so
      // everything seen is applied (a burst that ends a quiet stream still fires).
      // (Signals count too where they do not move clocks: a source whose owner died after writing them
      // and before its progress said so.)
      if (partitionClock.empty()) return std::numeric_limits<std::int64_t>::min();
      return std::max(latestSignal, *std::max_element(partitionClock.begin(), partitionClock.end()));
    }
    if (*slowest == kEndOfTime) return kEndOfTime;
    if (*slowest == std::numeric_limits<std::int64_t>::min()) return *slowest;  // a partition without a clock yet
    return *slowest - options.allowedLatenessNanos;
  }

  KeyState& keyFor(std::uint32_t index, const Signal& signal) {
    CorrelationState& correlation = correlations[index];
    const std::string key = groupKeyOf(signal);
    const auto found = correlation.index.find(key);
    if (found != correlation.index.end()) {
      correlation.keys.splice(correlation.keys.begin(), correlation.keys, found->second);
      return correlation.keys.front();
    }
    const std::size_t cap = set->at(index).spec.maxKeys.value_or(options.maxKeysPerCorrelation);
    if (correlation.keys.size() >= cap) {
      correlation.index.erase(*correlation.keys.back().key);
      correlation.keys.pop_back();
      ++counters.evictions;
      --counters.liveKeys;
    }
    correlation.keys.emplace_front();
    const auto inserted = correlation.index.emplace(key, correlation.keys.begin()).first;
    correlation.keys.front().key = &inserted->first;
    ++counters.liveKeys;
    return correlation.keys.front();
  }

  void forget(std::uint32_t index, const std::string& key) {
    CorrelationState& correlation = correlations[index];
    const auto found = correlation.index.find(key);
    if (found == correlation.index.end()) return;
    correlation.keys.erase(found->second);
    correlation.index.erase(found);
    --counters.liveKeys;
  }

  void fire(std::uint32_t index, KeyState& state, EventTime windowStart, EventTime last, std::uint64_t count,
            const std::string& extraKey, int depth, const AlertEvidence& evidence,
            const std::optional<AlertProvenance>& provenance) {
    const CompiledCorrelation& correlation = set->at(index);
    Alert alert;
    // The key is cluster, then each group-by value, separated by 0x1f.
    std::size_t start = 0;
    for (std::size_t field = 0; start <= state.key->size(); ++field) {
      const std::size_t end = std::min(state.key->find('\x1f', start), state.key->size());
      std::string part = state.key->substr(start, end - start);
      if (field == 0) {
        alert.cluster = std::move(part);
      } else if (field - 1 < correlation.spec.groupBy.size()) {
        alert.groupBy.emplace_back(correlation.spec.groupBy[field - 1], std::move(part));
      }
      start = end + 1;
    }
    alert.id = makeAlertId(correlation.meta->id, alert.cluster, *state.key + extraKey, windowStart);
    alert.rule = correlation.meta;
    alert.count = count;
    alert.firstEventTime = windowStart;
    alert.lastEventTime = last;
    alert.evidence = evidence;
    alert.evidence.auditIds.clear();
    for (auto it = state.entries.rbegin();
         it != state.entries.rend() && alert.evidence.auditIds.size() < kMaxEvidenceAuditIds; ++it) {
      alert.evidence.auditIds.push_back(it->auditId);
    }
    std::reverse(alert.evidence.auditIds.begin(), alert.evidence.auditIds.end());
    alert.provenance = provenance;
    ++counters.fired;
    const std::vector<CorrelationInput>& chainedInputs = set->inputsOfCorrelation(index);
    if (chainedInputs.empty() || depth >= kMaxChainDepth) {
      fired.push_back(std::move(alert));
      return;
    }
    fired.push_back(alert);
    // Chaining: a fired correlation is a signal for the correlations that name it.
    for (const CorrelationInput& input : chainedInputs) {
      Signal chained;
      chained.correlation = input.correlation;
      chained.ruleOrdinal = input.ordinal;
      chained.time = last;
      chained.cluster = alert.cluster;
      for (const std::string& field : set->at(input.correlation).spec.groupBy) {
        const auto value = std::find_if(alert.groupBy.begin(), alert.groupBy.end(),
                                        [&](const auto& pair) { return pair.first == field; });
        chained.groupBy.emplace_back(field, value != alert.groupBy.end() ? value->second : std::string());
      }
      chained.auditId = alert.id;
      chained.evidence = alert.evidence;
      chained.provenance = alert.provenance;
      apply(chained, depth + 1);
    }
  }

  bool suppressedAt(KeyState& state, EventTime time) {
    if (time.nanosSinceEpoch < state.suppressedUntil) {
      ++counters.suppressed;
      return true;
    }
    return false;
  }

  void apply(const Signal& signal, int depth) {
    ++counters.signals;
    const CompiledCorrelation& correlation = set->at(signal.correlation);
    const CorrelationSpec& spec = correlation.spec;
    KeyState& state = keyFor(signal.correlation, signal);
    const auto fireNow = [&](EventTime windowStart, std::uint64_t count, const std::string& extraKey) {
      fire(signal.correlation, state, windowStart, signal.time, count, extraKey, depth, signal.evidence,
           signal.provenance);
    };
    const std::int64_t t = signal.time.nanosSinceEpoch;
    const std::int64_t span = spec.timespanNanos;
    const bool atClose = spec.condition.decidedAtClose();

    const auto duplicate = [&] {
      return std::any_of(state.entries.begin(), state.entries.end(),
                         [&](const Entry& entry) { return entry.auditId == signal.auditId; });
    };
    const auto insertEntry = [&](std::size_t cap) {
      const auto at = std::upper_bound(state.entries.begin(), state.entries.end(), signal.time,
                                       [](EventTime time, const Entry& entry) { return time < entry.time; });
      state.entries.insert(at, Entry{signal.time, signal.auditId});
      keepRecent(state.entries, cap);
    };
    const auto openWindow = [&] {
      KeyExtra& extra = state.more();
      extra.evidence = signal.evidence;
      extra.provenance = signal.provenance;
      if (extra.windowStart) return;
      extra.windowStart = signal.time;
      closing.emplace(t + span, signal.correlation, *state.key);
    };

    switch (spec.type) {
      case CorrelationType::kEventCount: {
        if (duplicate()) {
          ++counters.duplicates;
          return;
        }
        if (atClose) {
          openWindow();
          ++state.more().total;
          insertEntry(kMaxEvidenceAuditIds);
          return;
        }
        const std::uint64_t needed = spec.condition.gte ? *spec.condition.gte : spec.condition.gt.value_or(0) + 1;
        insertEntry(std::max<std::uint64_t>(needed, kMaxEvidenceAuditIds));
        std::erase_if(state.entries, [&](const Entry& entry) { return entry.time.nanosSinceEpoch < t - span; });
        const auto count = static_cast<std::uint64_t>(state.entries.size());
        if (spec.condition.holds(count) && !suppressedAt(state, signal.time)) {
          fireNow(state.entries.front().time, count, {});
          state.suppressedUntil = t + correlation.suppressNanos;
          state.entries.clear();
        }
        return;
      }
      case CorrelationType::kValueCount: {
        if (duplicate()) {
          ++counters.duplicates;
          return;
        }
        insertEntry(kMaxEvidenceAuditIds);
        std::map<std::string, EventTime>& values = state.more().values;
        if (atClose) {
          openWindow();
          values[signal.value] = signal.time;
          return;
        }
        auto& latest = values[signal.value];
        latest = std::max(latest, signal.time);
        std::erase_if(values, [&](const auto& pair) { return pair.second.nanosSinceEpoch < t - span; });
        const auto count = static_cast<std::uint64_t>(values.size());
        if (spec.condition.holds(count) && !suppressedAt(state, signal.time)) {
          EventTime start = signal.time;
          for (const auto& [value, time] : values) start = std::min(start, time);
          fireNow(start, count, {});
          state.suppressedUntil = t + correlation.suppressNanos;
          values.clear();
          state.entries.clear();
        }
        return;
      }
      case CorrelationType::kTemporal:
      case CorrelationType::kTemporalOrdered: {
        const std::size_t rules = spec.rules.size();
        std::vector<std::optional<EventTime>>& steps = state.more().steps;
        steps.resize(rules);
        insertEntry(kMaxEvidenceAuditIds);
        const std::size_t k = signal.ruleOrdinal;
        std::optional<EventTime> start;
        std::uint64_t count = 0;
        if (spec.type == CorrelationType::kTemporal) {
          steps[k] = signal.time;
          start = signal.time;
          for (const auto& step : steps) {
            if (step && step->nanosSinceEpoch >= t - span) {
              ++count;
              start = std::min(*start, *step);
            }
          }
          const bool holds = spec.condition.gt || spec.condition.gte ? spec.condition.holds(count) : count == rules;
          if (!holds) return;
        } else {
          if (k == 0) {
            steps[0] = signal.time;  // the latest start gives the chain the most time
          } else if (steps[k - 1] && steps[k - 1]->nanosSinceEpoch >= t - span) {
            steps[k] = steps[k - 1];
          }
          if (k + 1 != rules || !steps[k]) return;
          start = steps[k];
          count = rules;
        }
        if (suppressedAt(state, signal.time)) return;
        fireNow(*start, count, {});
        state.suppressedUntil = t + correlation.suppressNanos;
        steps.assign(rules, std::nullopt);
        state.entries.clear();
        return;
      }
      case CorrelationType::kFirstSeen: {
        // Every referenced rule's events build the history; only the last rule's events alert, when
        // their value was not brought in by an earlier event within the history window (timespan).
        KeyExtra& extra = state.more();
        const auto seen = extra.values.find(signal.value);
        const bool fresh = seen == extra.values.end() || seen->second.nanosSinceEpoch < t - span;
        if (fresh) extra.introducedBy[signal.value] = signal.auditId;
        const bool known = !fresh && extra.introducedBy[signal.value] != signal.auditId;
        auto& last = extra.values[signal.value];
        last = std::max(last, signal.time);
        for (auto it = extra.values.begin(); it != extra.values.end();) {
          if (it->second.nanosSinceEpoch < t - span) {
            extra.introducedBy.erase(it->first);
            it = extra.values.erase(it);
          } else {
            ++it;
          }
        }
        const bool alerting = signal.ruleOrdinal + 1 == spec.rules.size();
        // Learning runs from the earliest event the engine knows of — any event, any key, as it stands
        // when this signal is applied: a correlation task holds only some keys (signals partitioned by
        // group key) and hears of the stream's start from its sources' progress, possibly after its
        // first signals; by the time the watermark lets a signal apply, it has heard of every source.
        const bool learning = t < earliestSeen + spec.learningNanos;
        if (!alerting || known || learning) return;
        state.entries.assign(1, Entry{signal.time, signal.auditId});
        fireNow(signal.time, 1, "\x1f" + signal.value);
        return;
      }
    }
  }

  void closeWindows(std::int64_t until) {
    while (!closing.empty() && std::get<0>(*closing.begin()) < until) {
      const auto [closeTime, index, key] = *closing.begin();
      closing.erase(closing.begin());
      const auto found = correlations[index].index.find(key);
      if (found == correlations[index].index.end()) continue;  // evicted
      KeyState& state = *found->second;
      const CompiledCorrelation& correlation = set->at(index);
      KeyExtra& extra = state.more();
      const std::uint64_t count = correlation.spec.type == CorrelationType::kValueCount
                                      ? static_cast<std::uint64_t>(extra.values.size())
                                      : extra.total;
      if (extra.windowStart && correlation.spec.condition.holds(count)) {
        const EventTime last = state.entries.empty() ? *extra.windowStart : state.entries.back().time;
        fire(index, state, *extra.windowStart, last, count, {}, 0, extra.evidence, extra.provenance);
      }
      forget(index, key);
    }
  }

  void drain(std::int64_t until) {
    // Signals and window closings interleave in time order.
    while (!pending.empty() && pending.top().time <= until) {
      closeWindows(pending.top().time);
      const std::uint32_t slot = pending.top().slot;
      pending.pop();
      apply(slots[slot], 0);
      slots[slot] = Signal{};
      freeSlots.push_back(slot);
    }
    closeWindows(until);
  }
};

void addCounts(CorrelationCounters& sum, const CorrelationCounters& more, bool withGauges) {
  sum.signals += more.signals;
  sum.late += more.late;
  sum.duplicates += more.duplicates;
  sum.evictions += more.evictions;
  sum.fired += more.fired;
  sum.suppressed += more.suppressed;
  if (!withGauges) return;
  sum.idlePartitions += more.idlePartitions;
  sum.liveKeys += more.liveKeys;
}

CorrelationEngine::CorrelationEngine(std::shared_ptr<const CorrelationSet> correlations, CorrelationOptions options)
    : state_(std::make_unique<State>()) {
  state_->correlations.resize(correlations->size());
  state_->set = std::move(correlations);
  state_->options = options;
}

CorrelationEngine::~CorrelationEngine() = default;

void CorrelationEngine::observe(std::uint32_t partition, EventTime time) {
  state_->ensurePartition(partition);
  state_->partitionIdle[partition] = false;
  std::int64_t& clock = state_->partitionClock[partition];
  clock = std::max(clock, time.nanosSinceEpoch);
  if (state_->options.clock != nullptr) state_->partitionActive[partition] = state_->options.clock->monotonicNow();
}

void CorrelationEngine::observeStart(EventTime time) {
  state_->earliestSeen = std::min(state_->earliestSeen, time.nanosSinceEpoch);
}

void CorrelationEngine::markIdle(std::uint32_t partition, EventTime latest) {
  observe(partition, latest);
  state_->partitionIdle[partition] = true;
}

void CorrelationEngine::add(std::uint32_t partition, std::optional<EventTime> latest, std::vector<Signal> signals) {
  if (latest) observe(partition, *latest);
  for (Signal& signal : signals) add(std::move(signal));
}

void CorrelationEngine::add(Signal signal) {
  if (state_->options.signalsMoveClocks) {
    observe(signal.partition, signal.time);
  } else {  // the partition's progress moves its clock; its signal says it is active
    state_->ensurePartition(signal.partition);
    state_->partitionIdle[signal.partition] = false;
  }
  state_->earliestSeen = std::min(state_->earliestSeen, signal.time.nanosSinceEpoch);
  state_->latestSignal = std::max(state_->latestSignal, signal.time.nanosSinceEpoch);
  signal.sequence = state_->partitionSequence[signal.partition]++;
  if (signal.time.nanosSinceEpoch < state_->watermark) ++state_->counters.late;
  std::uint32_t slot = 0;
  if (state_->freeSlots.empty()) {
    slot = static_cast<std::uint32_t>(state_->slots.size());
    state_->slots.emplace_back();
  } else {
    slot = state_->freeSlots.back();
    state_->freeSlots.pop_back();
  }
  const Pending pending{
      signal.time.nanosSinceEpoch, stableHash(signal.auditId), signal.rank, signal.partition, signal.sequence, slot};
  state_->slots[slot] = std::move(signal);
  state_->pending.push(pending);
}

std::vector<Alert> CorrelationEngine::advance() {
  state_->watermark = std::max(state_->watermark, state_->computeWatermark());
  state_->drain(state_->watermark);
  return std::exchange(state_->fired, {});
}

std::vector<Alert> CorrelationEngine::finish() {
  state_->watermark = kEndOfTime;
  state_->drain(kEndOfTime);
  return std::exchange(state_->fired, {});
}

const CorrelationCounters& CorrelationEngine::counters() const { return state_->counters; }

std::int64_t CorrelationEngine::appliedThrough() const {
  // Everything up to the watermark has been drained, except signals still buffered below it (late ones
  // added after the last advance): the oldest buffered signal bounds it.
  if (!state_->pending.empty()) return std::min(state_->watermark, state_->pending.top().time - 1);
  return state_->watermark;
}

}  // namespace auditstream
