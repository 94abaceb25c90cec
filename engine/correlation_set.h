// CorrelationSet: the correlation rules compiled against a RuleSet — which base rule (or correlation)
// feeds which correlation at which position, and the field paths its group-by (with aliases) and
// counted values read from a matching event. Immutable; shared like the RuleSet.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/correlation_spec.h"
#include "engine/field_path.h"
#include "engine/rule_set.h"

namespace auditstream {

struct CorrelationInput {
  std::uint32_t correlation = 0;
  std::uint32_t ordinal = 0;            // position in the correlation's `rules`
  std::vector<FieldPath> groupByPaths;  // one per group-by entry (alias resolved for this rule)
  std::vector<FieldPath> valuePaths;    // value_count / first_seen fields
};

struct CompiledCorrelation {
  CorrelationSpec spec;
  std::shared_ptr<const RuleMetadata> meta;
  std::int64_t suppressNanos = 0;
  // A stable hash of what decides the correlation's windows (type, rules, group-by, aliases, timespan,
  // condition, fields, learning, suppression): state kept under one definition is only restored under it.
  std::uint64_t fingerprint = 0;
};

class CorrelationSet {
 public:
  struct Build {
    std::shared_ptr<const CorrelationSet> correlations;
    std::vector<Status> problems;
  };
  static Build create(std::vector<CorrelationSpec> specs, const RuleSet& rules, const RuleSetOptions& options);

  std::size_t size() const { return correlations_.size(); }
  const CompiledCorrelation& at(std::size_t index) const { return correlations_[index]; }
  // The correlations a base rule feeds (empty for most rules).
  const std::vector<CorrelationInput>& inputsOfRule(std::uint32_t rule) const;
  // The correlations a correlation feeds when it fires (chaining).
  const std::vector<CorrelationInput>& inputsOfCorrelation(std::uint32_t correlation) const;
  // Whether base rule `rule` alerts on its own (not referenced, or referenced with generate: true).
  bool ruleAlertsAlone(std::uint32_t rule) const { return rule >= standalone_.size() || standalone_[rule]; }

 private:
  std::vector<CompiledCorrelation> correlations_;
  std::vector<std::vector<CorrelationInput>> byRule_;
  std::vector<std::vector<CorrelationInput>> byCorrelation_;
  std::vector<bool> standalone_;
};

}  // namespace auditstream
