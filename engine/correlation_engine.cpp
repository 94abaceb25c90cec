#include "engine/correlation_engine.h"

#include <algorithm>

#include "engine/correlation_engine_state.h"
#include "engine/signal_record.h"  // stableHash

namespace auditstream {
namespace {

constexpr int kMaxChainDepth = 8;

}  // namespace

std::string groupKeyOf(const Signal& signal) {
  std::string key = signal.cluster;
  for (const auto& [field, value] : signal.groupBy) (key += '\x1f') += value;
  return key;
}

// A partition not seen before joins with no clock (holding the watermark back until it has one).
void CorrelationEngine::State::ensurePartition(std::uint32_t partition) {
  if (partitionClock.size() > partition) return;
  partitionClock.resize(partition + 1, std::numeric_limits<std::int64_t>::min());
  partitionSequence.resize(partition + 1, 0);
  partitionActive.resize(partition + 1,
                         options.clock != nullptr ? options.clock->monotonicNow() : Clock::MonotonicTime{});
  partitionIdle.resize(partition + 1, false);
}

std::int64_t CorrelationEngine::State::computeWatermark() {
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

KeyState& CorrelationEngine::State::keyFor(std::uint32_t index, const Signal& signal) {
  CorrelationState& correlation = correlations[index];
  const std::string key = groupKeyOf(signal);
  const auto found = correlation.index.find(key);
  if (found != correlation.index.end()) {
    correlation.keys.splice(correlation.keys.begin(), correlation.keys, found->second);
    return correlation.keys.front();
  }
  const std::size_t cap = set->at(index).spec.maxKeys.value_or(options.maxKeysPerCorrelation);
  if (correlation.keys.size() >= cap) {
    if (options.trackChanges) changed.emplace_back(index, *correlation.keys.back().key);
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

void CorrelationEngine::State::forget(std::uint32_t index, const std::string& key) {
  CorrelationState& correlation = correlations[index];
  const auto found = correlation.index.find(key);
  if (found == correlation.index.end()) return;
  if (options.trackChanges) changed.emplace_back(index, key);
  correlation.keys.erase(found->second);
  correlation.index.erase(found);
  --counters.liveKeys;
}

void CorrelationEngine::State::fire(std::uint32_t index, KeyState& state, EventTime windowStart, EventTime last,
                                    std::uint64_t count, const std::string& extraKey, int depth,
                                    const AlertEvidence& evidence, const std::optional<AlertProvenance>& provenance) {
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
    alert.evidence.auditIds.push_back(it->auditId.text());
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

void CorrelationEngine::State::noteChanged(std::uint32_t index, KeyState& state) {
  if (!options.trackChanges || state.changed) return;
  state.changed = true;
  changed.emplace_back(index, *state.key);
}

bool CorrelationEngine::State::suppressedAt(KeyState& state, EventTime time) {
  if (time.nanosSinceEpoch < state.suppressedUntil) {
    ++counters.suppressed;
    return true;
  }
  return false;
}

void CorrelationEngine::State::closeWindows(std::int64_t until) {
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

void CorrelationEngine::State::drain(std::int64_t until) {
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

void addCounts(CorrelationCounters& sum, const CorrelationCounters& more, bool withGauges) {
  sum.signals += more.signals;
  sum.late += more.late;
  sum.duplicates += more.duplicates;
  sum.evictions += more.evictions;
  sum.fired += more.fired;
  sum.suppressed += more.suppressed;
  sum.knownValueEvictions += more.knownValueEvictions;
  sum.badState += more.badState;
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
  const PendingSignal pending{
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
  state_->watermark = State::kEndOfTime;
  state_->drain(State::kEndOfTime);
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
