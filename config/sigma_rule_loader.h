// Loads Sigma documents from files and directories (recursively, *.yml / *.yaml, sorted):
// detection rules for `product: kubernetes, service: audit` (others are skipped and counted), Sigma
// correlation rules (and our `first_seen` type, docs/rules.md), Sigma
// filters (applied to the rules they name: `(condition) and (filter condition)`), and field-mapping
// documents (`fieldmappings: {field: path or [paths]}`) that rename fields for every rule loaded.
// Every problem is collected with its `file:line:col`; a document with a problem is not loaded.
//
// Runs at start-up and on reload, off the hot path. Thread-safety: a pure function.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "engine/correlation_spec.h"
#include "engine/rule_set.h"
#include "engine/rule_spec.h"

namespace auditstream {

struct RuleLoad {
  std::vector<RuleSpec> rules;
  std::vector<CorrelationSpec> correlations;
  RuleSetOptions options;  // the field mapping found
  std::vector<Status> problems;
  std::size_t files = 0;
  std::size_t skippedOtherLogsource = 0;
  std::vector<std::string> skipped;  // "file:line:col: title" of each skipped rule
};

struct PendingFilter {
  std::vector<std::string> references;  // rule ids or names, or "any"
  DetectionSpec detection;
  SourceLocation where;
};

RuleLoad loadSigmaRules(const std::vector<std::string>& paths);

// The same for YAML text that was read from a file called `name` (tests, the rule-loader fuzzer).
RuleLoad loadSigmaRulesFromText(std::string_view text, std::string name);

}  // namespace auditstream
