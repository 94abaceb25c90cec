// CorrelationSpec: a Sigma correlation rule (v2: event_count, value_count, temporal, temporal_ordered)
// or our `first_seen` extension, as config/ read it. Plain data; CorrelationSet compiles it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/rule_spec.h"

namespace auditstream {

enum class CorrelationType : std::uint8_t { kEventCount, kValueCount, kTemporal, kTemporalOrdered, kFirstSeen };

// `condition:` — every given bound must hold (a range is gt + lte, ...).
struct CountCondition {
  std::optional<std::uint64_t> gt, gte, lt, lte, eq, neq;

  bool holds(std::uint64_t count) const {
    return (!gt || count > *gt) && (!gte || count >= *gte) && (!lt || count < *lt) && (!lte || count <= *lte) &&
           (!eq || count == *eq) && (!neq || count != *neq);
  }
  // True when the count can only be judged once the window has closed (lt, lte, eq, neq): a count
  // that still grows could stop satisfying it.
  bool decidedAtClose() const { return lt.has_value() || lte.has_value() || eq.has_value() || neq.has_value(); }
};

struct CorrelationSpec {
  RuleMetadata meta;
  CorrelationType type = CorrelationType::kEventCount;
  std::vector<std::string> rules;    // referenced rule ids or names (detection rules or correlations)
  std::vector<std::string> groupBy;  // fields (or aliases)
  // alias → (referenced rule name or id → field in that rule's events)
  std::map<std::string, std::map<std::string, std::string>> aliases;
  std::int64_t timespanNanos = 0;
  CountCondition condition;
  std::vector<std::string> valueFields;       // value_count `field` (one or a list), first_seen `field`
  bool generate = false;                      // also alert on the referenced rules on their own
  std::int64_t learningNanos = 0;             // first_seen: no alerts until this long after the earliest event seen
  std::optional<std::int64_t> suppressNanos;  // re-fire suppression per group key; default: timespan
  std::optional<std::size_t> maxKeys;         // live-key cap for this rule; default: the engine's
  SourceLocation where;
};

// "30s", "5m", "2h", "7d" → nanoseconds.
std::optional<std::int64_t> parseTimespan(std::string_view text);

}  // namespace auditstream
