#include "config/audit_policy.h"

#include <gtest/gtest.h>

#include "config/policy_check.h"

namespace auditstream {
namespace {

AuditPolicy policyOf(const std::string& rules) {
  const Result<AuditPolicy> policy =
      parseAuditPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n" + rules, "p.yaml");
  EXPECT_TRUE(policy) << policy.status();
  return policy ? *policy : AuditPolicy{};
}

AuditedRequest request(const std::string& verb, const std::string& group, const std::string& resource,
                       const std::string& subresource = "", const std::string& namespaceName = "default") {
  AuditedRequest out;
  out.user = "alice";
  out.groups = {"system:authenticated"};
  out.verb = verb;
  out.apiGroup = group;
  out.resource = resource;
  out.subresource = subresource;
  out.namespaceName = namespaceName;
  return out;
}

TEST(AuditPolicy, TheFirstMatchingRuleDecidesAsTheApiserverMatchesThem) {
  const AuditPolicy policy = policyOf(R"(
  - level: None
    users: [system:kube-proxy]
  - level: RequestResponse
    resources: [{group: "", resources: ["*/exec"]}]
  - level: Request
    resources: [{group: apps, resources: ["deployments/*"]}]
  - level: None
    resources: [{group: "", resources: [configmaps], resourceNames: [kube-root-ca.crt]}]
  - level: Metadata
    namespaces: [kube-system]
  - level: None
    nonResourceURLs: ["/healthz*"]
  - level: Request
    userGroups: [system:nodes]
  - level: Metadata
)");
  EXPECT_EQ(policy.levelFor(request("create", "", "pods", "exec")).level, AuditLevel::kRequestResponse);
  EXPECT_EQ(policy.levelFor(request("patch", "apps", "deployments", "scale")).level, AuditLevel::kRequest);
  EXPECT_EQ(policy.levelFor(request("patch", "apps", "deployments")).level, AuditLevel::kMetadata);  // no subresource
  AuditedRequest named = request("get", "", "configmaps");
  named.name = "kube-root-ca.crt";
  EXPECT_EQ(policy.levelFor(named).level, AuditLevel::kNone);
  named.name = "other";
  EXPECT_EQ(policy.levelFor(named).level, AuditLevel::kMetadata);
  AuditedRequest proxy = request("watch", "", "services");
  proxy.user = "system:kube-proxy";
  EXPECT_EQ(policy.levelFor(proxy).level, AuditLevel::kNone);
  AuditedRequest probe;
  probe.resourceRequest = false;
  probe.verb = "get";
  probe.user = "alice";
  probe.path = "/healthz/etcd";
  EXPECT_EQ(policy.levelFor(probe).level, AuditLevel::kNone);
  probe.path = "/version";
  EXPECT_EQ(policy.levelFor(probe).level, AuditLevel::kMetadata);
  AuditedRequest node = request("get", "", "nodes", "", "");
  node.groups = {"system:nodes"};
  EXPECT_EQ(policy.levelFor(node).level, AuditLevel::kRequest);
  const AuditPolicy::Decision decision = policy.levelFor(request("create", "", "pods", "exec"));
  ASSERT_NE(decision.rule, nullptr);
  EXPECT_EQ(decision.rule->where.toString(), "p.yaml:7:5");
}

TEST(AuditPolicy, NoMatchingRuleOrAnOmittedResponseCompleteLogsNothingTheRulesRead) {
  AuditPolicy policy = policyOf("  - level: Request\n    verbs: [create]\n");
  EXPECT_EQ(policy.levelFor(request("get", "", "pods")).rule, nullptr);
  policy = policyOf("  - level: Request\n    omitStages: [ResponseComplete]\n");
  EXPECT_TRUE(policy.levelFor(request("get", "", "pods")).responseCompleteOmitted);
}

TEST(AuditPolicy, ProblemsSayWhere) {
  const auto problem = [](const std::string& text) {
    const Result<AuditPolicy> policy = parseAuditPolicy(text, "p.yaml");
    return policy ? std::string("ok") : policy.status().message();
  };
  EXPECT_EQ(problem("kind: Policy\nrules:\n  - level: Everything\n"),
            "p.yaml:3:12: level (Everything) must be None, Metadata, Request or RequestResponse");
  EXPECT_EQ(
      problem("kind: Policy\nrules:\n  - level: None\n    user: [a]\n"),
      "p.yaml:4:5: unknown key 'rules[].user' (known here: level, namespaces, nonResourceURLs, omitManagedFields, "
      "omitStages, resources, userGroups, users, verbs)");
  EXPECT_EQ(problem("kind: Policy\nrules: []\n"),
            "p.yaml:2:8: a policy needs rules (a list): without any the apiserver logs nothing");
  EXPECT_EQ(problem("kind: PolicyList\nrules: [{level: None}]\n"), "p.yaml:1:7: kind (PolicyList) must be Policy");
}

// A rule watching several requests, some of which the policy drops: partly; a correlation over a blind
// rule: blind.
TEST(PolicyCheck, APolicyThatDropsSomeOfWhatARuleWatchesMakesItPartlyBlind) {
  const RuleLoad rules = loadSigmaRulesFromText(R"(title: Binding To the cluster-admin Role
id: 00000000-0000-0000-0000-000000000001
name: admin_binding
logsource: {product: kubernetes, service: audit}
detection:
  selection:
    objectRef.resource: [clusterrolebindings, rolebindings]
    verb: create
    requestObject.roleRef.name: cluster-admin
  filter:
    user.username: system:kube-controller-manager
  condition: selection and not filter
level: high
---
title: Exec
id: 00000000-0000-0000-0000-000000000002
name: exec
logsource: {product: kubernetes, service: audit}
detection:
  selection:
    objectRef.resource: pods
    objectRef.subresource: exec
  condition: selection
level: medium
---
title: Many Execs
id: 00000000-0000-0000-0000-000000000003
correlation:
  type: event_count
  rules: [exec]
  group-by: [user.username]
  timespan: 5m
  condition: {gte: 5}
level: high
)",
                                                "r.yml");
  ASSERT_TRUE(rules.problems.empty()) << rules.problems.front();
  const AuditPolicy policy = policyOf(R"(
  - level: None
    resources: [{group: "", resources: [pods/exec]}]
  - level: Metadata
    resources: [{group: rbac.authorization.k8s.io, resources: [rolebindings]}]
  - level: Request
)");
  const std::vector<PolicyVerdict> verdicts = checkPolicy(policy, rules);
  ASSERT_EQ(verdicts.size(), 3U);
  EXPECT_EQ(verdicts[0].kind, PolicyVerdict::Kind::kPartly);
  EXPECT_EQ(verdicts[0].detail,
            "needs requestObject of create rolebindings; the policy logs it at Metadata at p.yaml:7:5; it still sees "
            "create clusterrolebindings");
  EXPECT_EQ(verdicts[1].kind, PolicyVerdict::Kind::kBlind);
  EXPECT_EQ(verdicts[1].detail,
            "the policy logs nothing of get pods/exec: None at p.yaml:5:5 (and 6 more of the "
            "requests it watches)");
  EXPECT_EQ(verdicts[2].kind, PolicyVerdict::Kind::kBlind);
  EXPECT_EQ(verdicts[2].detail.substr(0, 31), "it counts Exec, which is blind:");
}

}  // namespace
}  // namespace auditstream
