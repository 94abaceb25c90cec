// Policy check: which rules an audit policy blinds (`auditstream policy-check`, docs/ingest.md). For each
// detection rule, the requests it watches are read from its detection — the values of objectRef.resource,
// objectRef.subresource, verb, objectRef.apiGroup, objectRef.namespace and user.username in the selections
// its condition requires (not the ones it excludes with `not`); a dimension left open is tried over a
// representative set (common verbs; pods, secrets, configmaps, workloads, RBAC objects, nodes; a human user
// in system:authenticated) — and the level it needs from the fields it reads: requestObject.* needs
// Request, responseObject.* RequestResponse, anything else Metadata. Each watched request is put to the
// policy as the apiserver would (AuditPolicy::levelFor). A rule is:
// - fires:  every request it watches is logged at the level it needs;
// - partly: some are, some are not (it misses those);
// - blind:  none is (logged at None, or below the level it needs, or without the ResponseComplete stage).
// A correlation is blind when a rule it counts is blind, partly when one is partly.
#pragma once

#include <string>
#include <vector>

#include "config/audit_policy.h"
#include "config/sigma_rule_loader.h"

namespace auditstream {

struct PolicyVerdict {
  enum class Kind { kFires, kPartly, kBlind };
  Kind kind = Kind::kFires;
  std::string rule;    // its title
  std::string where;   // file:line:col of the rule
  std::string detail;  // why, naming the request and the policy rule: empty when it fires
};

std::vector<PolicyVerdict> checkPolicy(const AuditPolicy& policy, const RuleLoad& rules);

}  // namespace auditstream
