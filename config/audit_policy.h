// AuditPolicy: a kube-apiserver audit `Policy` (audit.k8s.io/v1) as the apiserver applies it: the first
// rule that matches a request decides its level. Parsed from YAML with `file:line:col` errors, and
// evaluated for one request (levelFor) with the apiserver's own matching rules (users, userGroups, verbs,
// resources with groups, subresources, `*` and resourceNames, namespaces, nonResourceURLs with a
// trailing `*`; omitStages). Used by `auditstream policy-check` (policy_check.h). Immutable once parsed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "engine/source_location.h"

namespace auditstream {

enum class AuditLevel { kNone, kMetadata, kRequest, kRequestResponse };
std::string_view auditLevelName(AuditLevel level);

struct AuditPolicyResources {
  std::string group;                       // "" is the core group
  std::vector<std::string> resources;      // empty: all of the group; "pods", "pods/exec", "*/scale", "*"
  std::vector<std::string> resourceNames;  // empty: any name
};

struct AuditPolicyRule {
  AuditLevel level = AuditLevel::kNone;
  std::vector<std::string> users;
  std::vector<std::string> userGroups;
  std::vector<std::string> verbs;
  std::vector<AuditPolicyResources> resources;
  std::vector<std::string> namespaces;
  std::vector<std::string> nonResourceUrls;
  std::vector<std::string> omitStages;
  SourceLocation where;
};

// One request as the policy sees it.
struct AuditedRequest {
  std::string user;
  std::vector<std::string> groups;
  std::string verb;
  bool resourceRequest = true;
  std::string apiGroup;
  std::string resource;
  std::string subresource;
  std::string namespaceName;  // "" for cluster-scoped resources
  std::string name;
  std::string path;  // non-resource requests: the URL path
};

struct AuditPolicy {
  std::vector<AuditPolicyRule> rules;
  std::vector<std::string> omitStages;
  std::string file;

  struct Decision {
    AuditLevel level = AuditLevel::kNone;
    const AuditPolicyRule* rule = nullptr;  // null: no rule matched (the apiserver logs nothing)
    bool responseCompleteOmitted = false;   // the stage the rules read is not logged
  };
  Decision levelFor(const AuditedRequest& request) const;
};

// Errors: ioError, parseError (`file:line:col: reason`).
Result<AuditPolicy> loadAuditPolicy(const std::string& path);
Result<AuditPolicy> parseAuditPolicy(std::string_view text, const std::string& name);

}  // namespace auditstream
