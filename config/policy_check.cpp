#include "config/policy_check.h"

#include <algorithm>
#include <map>
#include <set>

#include "engine/condition.h"

namespace auditstream {
namespace {

// The dimensions of a watched request, and the values a rule's required selections name for each.
struct Watched {
  std::set<std::string> resources, subresources, verbs, groups, namespaces, users;
  bool openResource = true, openSubresource = true, openVerb = true, openGroup = true, openNamespace = true,
       openUser = true;
  AuditLevel needs = AuditLevel::kMetadata;
  std::string needsWhat;  // "requestObject", "responseObject"
};

const std::vector<std::string> kAnyVerbs = {"get", "list", "watch", "create", "update", "patch", "delete"};
const std::vector<std::string> kAnyResources = {"pods",     "secrets", "configmaps",          "deployments",
                                                "services", "nodes",   "clusterrolebindings", "namespaces"};

// The API group of the resources rules name most (objectRef.apiGroup is often left out of a rule).
std::string groupOf(const std::string& resource) {
  static const std::map<std::string, std::string> groups = {
      {"deployments", "apps"},
      {"daemonsets", "apps"},
      {"statefulsets", "apps"},
      {"replicasets", "apps"},
      {"jobs", "batch"},
      {"cronjobs", "batch"},
      {"roles", "rbac.authorization.k8s.io"},
      {"rolebindings", "rbac.authorization.k8s.io"},
      {"clusterroles", "rbac.authorization.k8s.io"},
      {"clusterrolebindings", "rbac.authorization.k8s.io"},
      {"certificatesigningrequests", "certificates.k8s.io"},
      {"mutatingwebhookconfigurations", "admissionregistration.k8s.io"},
      {"validatingwebhookconfigurations", "admissionregistration.k8s.io"},
      {"validatingadmissionpolicies", "admissionregistration.k8s.io"},
      {"ingresses", "networking.k8s.io"},
      {"networkpolicies", "networking.k8s.io"},
      {"tokenreviews", "authentication.k8s.io"},
      {"subjectaccessreviews", "authorization.k8s.io"},
      {"selfsubjectaccessreviews", "authorization.k8s.io"},
      {"selfsubjectrulesreviews", "authorization.k8s.io"},
      {"customresourcedefinitions", "apiextensions.k8s.io"},
      {"apiservices", "apiregistration.k8s.io"},
      {"leases", "coordination.k8s.io"},
      {"podsecuritypolicies", "policy"},
      {"poddisruptionbudgets", "policy"},
      {"storageclasses", "storage.k8s.io"},
      {"priorityclasses", "scheduling.k8s.io"},
  };
  const auto found = groups.find(resource);
  return found == groups.end() ? std::string() : found->second;
}

bool clusterScoped(const std::string& resource) {
  static const std::set<std::string> scoped = {"nodes",
                                               "namespaces",
                                               "clusterroles",
                                               "clusterrolebindings",
                                               "certificatesigningrequests",
                                               "mutatingwebhookconfigurations",
                                               "validatingwebhookconfigurations",
                                               "validatingadmissionpolicies",
                                               "customresourcedefinitions",
                                               "apiservices",
                                               "persistentvolumes",
                                               "storageclasses",
                                               "priorityclasses",
                                               "podsecuritypolicies",
                                               "tokenreviews",
                                               "subjectaccessreviews",
                                               "selfsubjectaccessreviews",
                                               "selfsubjectrulesreviews"};
  return scoped.contains(resource);
}

// Literal values of a match (no wildcards, case as written); nullopt when the match is not literal.
std::optional<std::vector<std::string>> literals(const FieldMatchSpec& match) {
  std::vector<std::string> out;
  for (const ValueSpec& value : match.values) {
    if (value.op != ValueOp::kMatch || value.anchoring != Anchoring::kWhole) return std::nullopt;
    std::string text;
    for (const PatternPiece& piece : value.pattern) {
      if (piece.kind != PatternPiece::Kind::kLiteral) return std::nullopt;
      text += piece.literal;
    }
    out.push_back(text);
  }
  return out;
}

// Selection names under the condition, with whether a `not` excludes them (odd depth of `not`).
void requiredSelections(const ConditionNode& node, bool negated, const std::vector<SelectionSpec>& selections,
                        std::set<std::string>& required) {
  switch (node.kind) {
    case ConditionNode::Kind::kNot:
      for (const ConditionNode& child : node.children) requiredSelections(child, !negated, selections, required);
      return;
    case ConditionNode::Kind::kAnd:
    case ConditionNode::Kind::kOr:
      for (const ConditionNode& child : node.children) requiredSelections(child, negated, selections, required);
      return;
    case ConditionNode::Kind::kSelection:
      if (!negated) required.insert(node.name);
      return;
    case ConditionNode::Kind::kOneOf:
    case ConditionNode::Kind::kAllOf:
      if (negated) return;
      for (const SelectionSpec& selection : selections) {
        if (node.name == "them" || selectionNameMatches(node.name, selection.name)) required.insert(selection.name);
      }
      return;
  }
}

std::string mapped(const std::string& field, const RuleSetOptions& options) {
  const auto found = options.fieldMapping.find(field);
  return found == options.fieldMapping.end() || found->second.empty() ? field : found->second.front();
}

void constrain(std::set<std::string>& values, bool& open, const std::vector<std::string>& literal) {
  values.insert(literal.begin(), literal.end());
  open = false;
}

Watched watchedBy(const RuleSpec& rule, const RuleSetOptions& options) {
  Watched watched;
  std::set<std::string> required;
  for (const std::string& condition : rule.detection.conditions) {
    const Result<ConditionNode> tree = parseCondition(condition);
    if (tree) requiredSelections(*tree, false, rule.detection.selections, required);
  }
  for (const SelectionSpec& selection : rule.detection.selections) {
    if (!required.contains(selection.name)) continue;
    for (const std::vector<FieldMatchSpec>& alternative : selection.anyOf) {
      for (const FieldMatchSpec& match : alternative) {
        const std::string field = mapped(match.field, options);
        if (field.starts_with("responseObject")) {
          watched.needs = AuditLevel::kRequestResponse;
          watched.needsWhat = "responseObject";
        } else if (field.starts_with("requestObject") && watched.needs < AuditLevel::kRequest) {
          watched.needs = AuditLevel::kRequest;
          watched.needsWhat = "requestObject";
        }
        const std::optional<std::vector<std::string>> values = literals(match);
        if (!values || match.allValues) continue;
        if (field == "objectRef.resource") constrain(watched.resources, watched.openResource, *values);
        if (field == "objectRef.subresource") constrain(watched.subresources, watched.openSubresource, *values);
        if (field == "verb") constrain(watched.verbs, watched.openVerb, *values);
        if (field == "objectRef.apiGroup") constrain(watched.groups, watched.openGroup, *values);
        if (field == "objectRef.namespace") constrain(watched.namespaces, watched.openNamespace, *values);
        if (field == "user.username") constrain(watched.users, watched.openUser, *values);
      }
    }
  }
  return watched;
}

std::vector<std::string> groupsOf(const std::string& user) {
  if (user == "system:anonymous") return {"system:unauthenticated"};
  if (user.starts_with("system:serviceaccount:")) return {"system:serviceaccounts", "system:authenticated"};
  if (user.starts_with("system:node:")) return {"system:nodes", "system:authenticated"};
  return {"system:authenticated"};
}

std::vector<AuditedRequest> requestsOf(const Watched& watched) {
  const std::vector<std::string> resources =
      watched.openResource ? kAnyResources
                           : std::vector<std::string>(watched.resources.begin(), watched.resources.end());
  const std::vector<std::string> subresources =
      watched.openSubresource ? std::vector<std::string>{""}
                              : std::vector<std::string>(watched.subresources.begin(), watched.subresources.end());
  const std::vector<std::string> verbs =
      watched.openVerb ? kAnyVerbs : std::vector<std::string>(watched.verbs.begin(), watched.verbs.end());
  const std::vector<std::string> users = watched.openUser
                                             ? std::vector<std::string>{"alice"}
                                             : std::vector<std::string>(watched.users.begin(), watched.users.end());
  std::vector<AuditedRequest> requests;
  for (const std::string& resource : resources) {
    const std::vector<std::string> groups =
        watched.openGroup ? std::vector<std::string>{groupOf(resource)}
                          : std::vector<std::string>(watched.groups.begin(), watched.groups.end());
    const std::vector<std::string> namespaces =
        !watched.openNamespace ? std::vector<std::string>(watched.namespaces.begin(), watched.namespaces.end())
                               : std::vector<std::string>{clusterScoped(resource) ? "" : "default"};
    for (const std::string& subresource : subresources) {
      for (const std::string& verb : verbs) {
        for (const std::string& group : groups) {
          for (const std::string& namespaceName : namespaces) {
            for (const std::string& user : users) {
              AuditedRequest request;
              request.user = user;
              request.groups = groupsOf(user);
              request.verb = verb;
              request.apiGroup = group;
              request.resource = resource;
              request.subresource = subresource;
              request.namespaceName = namespaceName;
              requests.push_back(std::move(request));
            }
          }
        }
      }
    }
  }
  return requests;
}

std::string describe(const AuditedRequest& request) {
  std::string text = request.verb + " " + request.resource;
  if (!request.subresource.empty()) text += "/" + request.subresource;
  if (!request.namespaceName.empty() && request.namespaceName != "default") text += " in " + request.namespaceName;
  if (request.user != "alice") text += " by " + request.user;
  return text;
}

std::string because(const AuditPolicy::Decision& decision) {
  if (decision.rule == nullptr) return "no policy rule matches it";
  if (decision.responseCompleteOmitted)
    return "its ResponseComplete stage is omitted (" + decision.rule->where.toString() + ")";
  return std::string(auditLevelName(decision.level)) + " at " + decision.rule->where.toString();
}

PolicyVerdict judge(const AuditPolicy& policy, const RuleSpec& rule, const RuleSetOptions& options) {
  const Watched watched = watchedBy(rule, options);
  PolicyVerdict verdict{PolicyVerdict::Kind::kFires, rule.meta.title, rule.where.toString(), ""};
  std::vector<std::string> seen;
  std::string firstMiss;
  std::size_t missed = 0;
  const std::vector<AuditedRequest> requests = requestsOf(watched);
  for (const AuditedRequest& request : requests) {
    const AuditPolicy::Decision decision = policy.levelFor(request);
    const bool logged = decision.level != AuditLevel::kNone && !decision.responseCompleteOmitted;
    if (logged && decision.level >= watched.needs) {
      seen.push_back(describe(request));
      continue;
    }
    ++missed;
    if (!firstMiss.empty()) continue;
    if (logged) {
      firstMiss =
          "needs " + watched.needsWhat + " of " + describe(request) + "; the policy logs it at " + because(decision);
    } else {
      firstMiss = "the policy logs nothing of " + describe(request) + ": " + because(decision);
    }
  }
  if (missed == 0) return verdict;
  verdict.kind = seen.empty() ? PolicyVerdict::Kind::kBlind : PolicyVerdict::Kind::kPartly;
  verdict.detail = firstMiss;
  if (missed > 1) verdict.detail += " (and " + std::to_string(missed - 1) + " more of the requests it watches)";
  if (!seen.empty()) verdict.detail += "; it still sees " + seen.front();
  return verdict;
}

}  // namespace

std::vector<PolicyVerdict> checkPolicy(const AuditPolicy& policy, const RuleLoad& rules) {
  std::vector<PolicyVerdict> verdicts;
  std::map<std::string, const PolicyVerdict*> byReference;
  verdicts.reserve(rules.rules.size() + rules.correlations.size());
  for (const RuleSpec& rule : rules.rules) verdicts.push_back(judge(policy, rule, rules.options));
  for (std::size_t i = 0; i < rules.rules.size(); ++i) {
    byReference[rules.rules[i].meta.id] = &verdicts[i];
    if (!rules.rules[i].meta.name.empty()) byReference[rules.rules[i].meta.name] = &verdicts[i];
  }
  for (const CorrelationSpec& correlation : rules.correlations) {
    PolicyVerdict verdict{PolicyVerdict::Kind::kFires, correlation.meta.title, correlation.where.toString(), ""};
    for (const std::string& reference : correlation.rules) {
      const auto found = byReference.find(reference);
      if (found == byReference.end() || found->second->kind == PolicyVerdict::Kind::kFires) continue;
      if (found->second->kind > verdict.kind || verdict.detail.empty()) {
        verdict.kind = std::max(verdict.kind, found->second->kind);
        verdict.detail = "it counts " + found->second->rule + ", which " +
                         (found->second->kind == PolicyVerdict::Kind::kBlind ? "is blind: " : "is partly blind: ") +
                         found->second->detail;
      }
    }
    verdicts.push_back(std::move(verdict));
  }
  return verdicts;
}

}  // namespace auditstream
