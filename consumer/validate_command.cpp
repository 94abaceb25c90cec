#include "consumer/validate_command.h"

#include "config/rule_pack.h"

namespace auditstream {

int runValidate(const CommandLine& command, std::FILE* out) {
  const RulePack pack = loadRulePack(command.ruleDirs);
  for (const Status& problem : pack.problems) std::fprintf(out, "%s\n", problem.message().c_str());
  const RuleSetStats stats = pack.rules->stats();
  std::fprintf(out,
               "validate: %zu rules loaded from %zu files, %zu skipped (not Kubernetes audit), %zu problem%s; "
               "%zu fields, %zu exact values, %zu Hyperscan patterns in %zu databases\n",
               stats.rules, pack.files, pack.skippedOtherLogsource, pack.problems.size(),
               pack.problems.size() == 1 ? "" : "s", stats.fields, stats.exactValues, stats.hyperscanPatterns,
               stats.hyperscanDatabases);
  return pack.problems.empty() ? 0 : 1;
}

}  // namespace auditstream
