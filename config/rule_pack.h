// RulePack: rules loaded from directories and compiled — what the service, `replay` and `validate`
// get from config/. `problems` holds every loading and compiling problem; the caller decides whether
// any problem is fatal (it is for `run` at start-up and for `validate`; a reload keeps the old pack).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/correlation_set.h"
#include "engine/rule_set.h"

namespace auditstream {

struct RulePack {
  std::shared_ptr<const RuleSet> rules;
  std::shared_ptr<const CorrelationSet> correlations;
  std::vector<Status> problems;
  std::size_t files = 0;
  std::size_t skippedOtherLogsource = 0;
};

RulePack loadRulePack(const std::vector<std::string>& paths);

}  // namespace auditstream
