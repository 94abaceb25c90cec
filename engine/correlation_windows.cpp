// What a signal does to its key's window, per correlation type (CorrelationEngine::State::apply).
#include <algorithm>

#include "engine/correlation_engine_state.h"
#include "engine/signal_record.h"  // stableHash

namespace auditstream {
namespace {

void keepRecent(std::vector<WindowEntry>& entries, std::size_t cap) {
  if (entries.size() > cap) entries.erase(entries.begin(), entries.end() - static_cast<std::ptrdiff_t>(cap));
}

// first_seen's history: values last seen before `expired` are forgotten, then the least recently seen
// beyond `cap` (each counted in `evictions`).
void forgetHistory(std::map<std::string, KnownValue>& history, std::int64_t expired, std::size_t cap,
                   std::uint64_t& evictions) {
  std::erase_if(history, [&](const auto& pair) { return pair.second.lastSeen.nanosSinceEpoch < expired; });
  while (history.size() > cap) {
    const auto oldest = std::min_element(history.begin(), history.end(), [](const auto& a, const auto& b) {
      return a.second.lastSeen < b.second.lastSeen;
    });
    history.erase(oldest);
    ++evictions;
  }
}

}  // namespace

void CorrelationEngine::State::apply(const Signal& signal, int depth) {
  ++counters.signals;
  const CompiledCorrelation& correlation = set->at(signal.correlation);
  const CorrelationSpec& spec = correlation.spec;
  KeyState& state = keyFor(signal.correlation, signal);
  noteChanged(signal.correlation, state);
  const auto fireNow = [&](EventTime windowStart, std::uint64_t count, const std::string& extraKey) {
    fire(signal.correlation, state, windowStart, signal.time, count, extraKey, depth, signal.evidence,
         signal.provenance);
  };
  const std::int64_t t = signal.time.nanosSinceEpoch;
  const std::int64_t span = spec.timespanNanos;
  const bool atClose = spec.condition.decidedAtClose();

  const auto duplicate = [&] {
    return std::any_of(state.entries.begin(), state.entries.end(),
                       [&](const WindowEntry& entry) { return entry.auditId == signal.auditId; });
  };
  const auto insertEntry = [&](std::size_t cap) {
    const auto at = std::upper_bound(state.entries.begin(), state.entries.end(), signal.time,
                                     [](EventTime time, const WindowEntry& entry) { return time < entry.time; });
    state.entries.insert(at, WindowEntry{signal.time, AuditId(signal.auditId)});
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
      std::erase_if(state.entries, [&](const WindowEntry& entry) { return entry.time.nanosSinceEpoch < t - span; });
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
      std::map<std::string, KnownValue>& history = state.more().known;
      const std::uint64_t request = stableHash(signal.auditId);
      auto seen = history.find(signal.value);
      const bool fresh = seen == history.end() || seen->second.lastSeen.nanosSinceEpoch < t - span;
      const bool known = !fresh && seen->second.introducedBy != request;
      if (seen == history.end()) {
        seen = history.emplace(signal.value, KnownValue{signal.time, request}).first;
      } else if (fresh) {
        seen->second = KnownValue{signal.time, request};
      }
      seen->second.lastSeen = std::max(seen->second.lastSeen, signal.time);
      forgetHistory(history, t - span, options.maxKnownValuesPerKey, counters.knownValueEvictions);
      const bool alerting = signal.ruleOrdinal + 1 == spec.rules.size();
      // Learning runs from the earliest event the engine knows of — any event, any key, as it stands
      // when this signal is applied: a correlation task holds only some keys (signals partitioned by
      // group key) and hears of the stream's start from its sources' progress, possibly after its
      // first signals; by the time the watermark lets a signal apply, it has heard of every source.
      const bool learning = t < earliestSeen + spec.learningNanos;
      if (!alerting || known || learning) return;
      state.entries.assign(1, WindowEntry{signal.time, AuditId(signal.auditId)});
      fireNow(signal.time, 1, "\x1f" + signal.value);
      return;
    }
  }
}

}  // namespace auditstream
