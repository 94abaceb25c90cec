#include "config/rule_pack.h"

#include "config/sigma_rule_loader.h"

namespace auditstream {

RulePack loadRulePack(const std::vector<std::string>& paths) {
  RuleLoad load = loadSigmaRules(paths);
  RuleSet::Build build = RuleSet::create(std::move(load.rules), load.options);
  CorrelationSet::Build correlations = CorrelationSet::create(std::move(load.correlations), *build.rules, load.options);
  RulePack pack;
  pack.rules = std::move(build.rules);
  pack.correlations = std::move(correlations.correlations);
  pack.problems = std::move(load.problems);
  pack.problems.insert(pack.problems.end(), build.problems.begin(), build.problems.end());
  pack.problems.insert(pack.problems.end(), correlations.problems.begin(), correlations.problems.end());
  pack.files = load.files;
  pack.skippedOtherLogsource = load.skippedOtherLogsource;
  return pack;
}

}  // namespace auditstream
