#include "consumer/policy_check_command.h"

#include "config/policy_check.h"

namespace auditstream {

int runPolicyCheck(const CommandLine& command, std::FILE* out) {
  const Result<AuditPolicy> policy = loadAuditPolicy(command.policyPath);
  if (!policy) {
    std::fprintf(out, "%s\n", policy.status().message().c_str());
    return 1;
  }
  const RuleLoad rules = loadSigmaRules(command.ruleDirs);
  for (const Status& problem : rules.problems) std::fprintf(out, "%s\n", problem.message().c_str());
  std::size_t counts[3] = {};
  for (const PolicyVerdict& verdict : checkPolicy(*policy, rules)) {
    ++counts[static_cast<int>(verdict.kind)];
    const char* kind = verdict.kind == PolicyVerdict::Kind::kFires    ? "fires "
                       : verdict.kind == PolicyVerdict::Kind::kPartly ? "partly"
                                                                      : "blind ";
    std::fprintf(out, "%s  %s (%s)%s%s\n", kind, verdict.rule.c_str(), verdict.where.c_str(),
                 verdict.detail.empty() ? "" : ": ", verdict.detail.c_str());
  }
  std::fprintf(out, "policy-check: %s against %zu rules and %zu correlations: %zu fire, %zu partly, %zu blind\n",
               command.policyPath.c_str(), rules.rules.size(), rules.correlations.size(), counts[0], counts[1],
               counts[2]);
  return counts[2] == 0 && rules.problems.empty() ? 0 : 1;
}

}  // namespace auditstream
