// RuleSet: every loaded Sigma detection rule compiled for matching — one Hyperscan database per field
// across all rules (plus hash lookups for exact values), the rules' conditions as small trees, and a
// candidate index on `verb` and `objectRef.resource` so most rules are never evaluated for an event.
//
// Immutable once built; published as shared_ptr<const RuleSet> and shared by all worker threads. Each
// thread matches with its own MatchState (Hyperscan scratch, per-event caches).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/audit_event.h"
#include "engine/rule_spec.h"

namespace auditstream {

class MatchState;

struct RuleSetOptions {
  // Field renames applied before compiling (a pySigma-style mapping): rule field → event path(s).
  // Several targets are ORed: the field matches when any target does.
  std::map<std::string, std::vector<std::string>> fieldMapping;
  // Database grouping, for the benchmark that chose the default: compile exact values into the
  // Hyperscan databases too instead of hash lookups.
  bool exactValuesInHyperscan = false;
};

struct RuleSetStats {
  std::size_t rules = 0;
  std::size_t atoms = 0;
  std::size_t fields = 0;
  std::size_t hyperscanDatabases = 0;
  std::size_t hyperscanPatterns = 0;
  std::size_t exactValues = 0;
};

class RuleSet {
 public:
  struct Build {
    std::shared_ptr<const RuleSet> rules;  // the rules that compiled
    std::vector<Status> problems;          // one per rule that did not ("file:line:col: reason")
  };
  static Build create(std::vector<RuleSpec> specs, const RuleSetOptions& options = {});

  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  std::size_t size() const;
  const RuleMetadata& rule(std::size_t index) const;
  std::shared_ptr<const RuleMetadata> ruleShared(std::size_t index) const;
  RuleSetStats stats() const;

  // A matching state for one thread, sized for this rule set.
  std::unique_ptr<MatchState> newMatchState() const;

  // Replaces `hits` with the indexes of the rules that match `event`, in rule order.
  void match(const AuditEvent& event, MatchState& state, std::vector<std::uint32_t>& hits) const;

  struct Impl;

 private:
  explicit RuleSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace auditstream
