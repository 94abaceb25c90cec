#include "traffic/attack_scenarios.h"

#include <array>

#include "common/json_writer.h"
#include "traffic/audit_event_builder.h"

namespace auditstream {
namespace {

constexpr std::string_view kKubectl = "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625";
constexpr std::string_view kCurl = "curl/8.5.0";

// What a scenario's builder writes with: identities and addresses unique to the instance.
struct Attack {
  ScenarioInstance& out;
  SplitMix& random;
  std::uint64_t instance;
  std::string_view victim;
  std::int64_t millis = 0;  // offset of the next event

  std::string tag() const { return std::to_string(instance); }
  std::string person() const { return "mallory." + tag() + "@contractor.example"; }
  std::string serviceAccount(std::string_view name) const {
    return "system:serviceaccount:web:" + std::string(name) + "-" + tag();
  }
  // 198.18.0.0/15 (benchmarking addresses): one per instance.
  std::string address(std::uint64_t salt = 0) const {
    const std::uint64_t n = instance * 16 + salt;
    return "198.18." + std::to_string(n / 250 % 250) + "." + std::to_string(1 + n % 250);
  }

  void add(EventSpec spec, bool required = true, std::int64_t stepMillis = 150) {
    const std::int64_t nanos = out.startNanos + millis * 1'000'000;
    BuiltEvent built = buildAuditEvent(spec, nanos, random);
    if (required) out.requiredAuditIds.push_back(built.auditId);
    out.events.push_back(GeneratedEvent{out.cluster, std::string(spec.user), built.auditId, std::move(built.json)});
    out.eventNanos.push_back(nanos);
    millis += stepMillis;
  }
  // The instance's attacker: a person of its own, from an address of its own.
  const std::string attacker = person();
  const std::string attackerAddress = address();
  EventSpec byAttacker(std::string_view agent = kKubectl) const { return by(attacker, attackerAddress, agent); }

  EventSpec by(std::string_view user, std::string_view ip, std::string_view agent = kKubectl) const {
    EventSpec spec;
    spec.user = user;
    spec.sourceIp = ip;
    spec.userAgent = agent;
    spec.groups = R"("system:authenticated")";
    return spec;
  }
};

std::string podWith(std::string_view name, std::string_view spec) {
  return R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":")" + std::string(name) + R"("},"spec":)" +
         std::string(spec) + "}";
}

using Builder = void (*)(Attack&);

struct Scenario {
  std::string_view name;
  std::string_view ruleId;
  Builder build;
};

// ---- stateless behaviours ----

void execShell(Attack& a) {
  EventSpec spec = a.byAttacker();
  spec.verb = "create";
  spec.resource = "pods";
  spec.subresource = "exec";
  spec.namespaceName = "payments";
  spec.name = "api-7d9f6c";
  spec.uriQuery = "command=%2Fbin%2Fsh&container=api&stdin=true&stdout=true&tty=true";
  spec.code = 101;
  a.add(spec);
}

void workloadPod(Attack& a, std::string_view podSpec) {
  const std::string name = "debug-" + a.tag();
  const std::string body = podWith(name, podSpec);
  EventSpec spec = a.byAttacker();
  spec.verb = "create";
  spec.resource = "pods";
  spec.namespaceName = "default";
  spec.name = name;
  spec.requestObject = body;
  spec.code = 201;
  a.add(spec);
}

void privilegedPod(Attack& a) {
  workloadPod(a, R"({"containers":[{"name":"x","image":"busybox","securityContext":{"privileged":true}}]})");
}
void hostRootMount(Attack& a) {
  workloadPod(
      a,
      R"({"containers":[{"name":"x","image":"busybox","volumeMounts":[{"name":"host","mountPath":"/host"}]}],"volumes":[{"name":"host","hostPath":{"path":"/"}}]})");
}
void hostPidPod(Attack& a) {
  workloadPod(a, R"({"hostPID":true,"hostNetwork":true,"containers":[{"name":"x","image":"busybox"}]})");
}

void rbacWrite(Attack& a, std::string_view resource, std::string_view ns, std::string_view body) {
  const std::string name = "ops-" + a.tag();
  EventSpec spec = a.byAttacker();
  spec.verb = "create";
  spec.resource = resource;
  spec.apiGroup = "rbac.authorization.k8s.io";
  spec.namespaceName = ns;
  spec.name = name;
  spec.requestObject = body;
  spec.code = 201;
  a.add(spec);
}

void clusterAdminBinding(Attack& a) {
  rbacWrite(
      a, "clusterrolebindings", "",
      R"({"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"ops"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"mallory"}]})");
}
void wildcardRole(Attack& a) {
  rbacWrite(
      a, "clusterroles", "",
      R"({"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"ops"},"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]})");
}
void escalateRole(Attack& a) {
  rbacWrite(
      a, "roles", "payments",
      R"({"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"ops"},"rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","rolebindings"],"verbs":["bind","escalate"]}]})");
}

void anonymousAllowed(Attack& a) {
  const std::string ip = a.address();
  EventSpec spec = a.by("system:anonymous", ip, kCurl);
  spec.groups = R"("system:unauthenticated")";
  spec.verb = "list";
  spec.resource = "configmaps";
  spec.namespaceName = "kube-system";
  a.add(spec);
}

void tokenRequest(Attack& a) {
  EventSpec spec = a.byAttacker();
  spec.verb = "create";
  spec.resource = "serviceaccounts";
  spec.subresource = "token";
  spec.namespaceName = "kube-system";
  spec.name = "clusterrole-aggregation-controller";
  spec.requestObject =
      R"({"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","spec":{"audiences":null,"expirationSeconds":31536000}})";
  spec.code = 201;
  a.add(spec);
}

void csrApproval(Attack& a) {
  const std::string name = "csr-" + a.tag();
  EventSpec spec = a.byAttacker();
  spec.verb = "update";
  spec.resource = "certificatesigningrequests";
  spec.subresource = "approval";
  spec.apiGroup = "certificates.k8s.io";
  spec.name = name;
  a.add(spec);
}

void eventsWipe(Attack& a) {
  EventSpec spec = a.byAttacker();
  spec.verb = "deletecollection";
  spec.resource = "events";
  spec.namespaceName = "payments";
  a.add(spec);
}

void nodeProxy(Attack& a) {
  EventSpec spec = a.byAttacker(kCurl);
  spec.verb = "create";
  spec.resource = "nodes";
  spec.subresource = "proxy";
  spec.name = "node-3";
  spec.requestUri = "/api/v1/nodes/node-3/proxy/run/kube-system/kube-proxy-x2x9z/kube-proxy?cmd=id";
  a.add(spec);
}

void ephemeralContainer(Attack& a) {
  EventSpec spec = a.byAttacker();
  spec.verb = "patch";
  spec.resource = "pods";
  spec.subresource = "ephemeralcontainers";
  spec.namespaceName = "payments";
  spec.name = "api-7d9f6c";
  spec.requestObject =
      R"({"spec":{"ephemeralContainers":[{"name":"debugger-x1","image":"busybox","stdin":true,"tty":true,"targetContainerName":"api"}]}})";
  a.add(spec);
}

void webhookDeleted(Attack& a) {
  EventSpec spec = a.byAttacker();
  spec.verb = "delete";
  spec.resource = "validatingwebhookconfigurations";
  spec.apiGroup = "admissionregistration.k8s.io";
  spec.name = "gatekeeper-validating-webhook-configuration";
  a.add(spec);
}

void clusterWideSecretsList(Attack& a) {
  EventSpec spec = a.byAttacker();
  spec.verb = "list";
  spec.resource = "secrets";
  spec.uriQuery = "limit=500";
  a.add(spec);
}

// ---- correlations ----

void forbiddenBurstPerUser(Attack& a) {  // 10 denied requests by one stolen token (one URI: not probing)
  const std::string user = a.serviceAccount("frontend");
  const std::string ip = a.address();
  for (int i = 0; i < 10; ++i) {
    EventSpec spec = a.by(user, ip, kCurl);
    spec.verb = "list";
    spec.resource = "pods";
    spec.namespaceName = "kube-system";
    spec.code = 403;
    a.add(spec);
  }
}

void forbiddenBurstPerAddress(Attack& a) {  // ten identities, one address, one denial each
  const std::string ip = a.address();
  for (int i = 0; i < 10; ++i) {
    const std::string user = "system:serviceaccount:team" + std::to_string(i) + ":app-" + a.tag();
    EventSpec spec = a.by(user, ip, kCurl);
    spec.verb = "get";
    spec.resource = "nodes";
    spec.code = 403;
    a.add(spec);
  }
}

void secretAccessDenied(Attack& a) {
  const std::string user = a.serviceAccount("checkout");
  const std::string ip = a.address();
  for (int i = 0; i < 5; ++i) {
    const std::string name = "db-" + std::to_string(i);
    EventSpec spec = a.by(user, ip, kCurl);
    spec.verb = "get";
    spec.resource = "secrets";
    spec.namespaceName = "payments";
    spec.name = name;
    spec.code = 403;
    a.add(spec);
  }
}

void secretHarvest(Attack& a) {  // 15 distinct secrets read one by one
  const std::string user = "system:serviceaccount:ci:harvester-" + a.tag();
  const std::string ip = a.address();
  for (int i = 0; i < 15; ++i) {
    const std::string name = "app-secret-" + std::to_string(i);
    EventSpec spec = a.by(user, ip, "python-requests/2.31.0");
    spec.verb = "get";
    spec.resource = "secrets";
    spec.namespaceName = "payments";
    spec.name = name;
    a.add(spec);
  }
}

void discoverySweep(Attack& a) {  // three sensitive types within seconds
  for (std::string_view resource : {"secrets", "serviceaccounts", "clusterrolebindings"}) {
    EventSpec spec = a.byAttacker();
    spec.verb = "list";
    spec.resource = resource;
    spec.apiGroup = resource == "clusterrolebindings" ? "rbac.authorization.k8s.io" : "";
    spec.namespaceName = resource == "clusterrolebindings" ? "" : "payments";
    a.add(spec);
  }
}

void permissionProbing(Attack& a) {  // eight different URIs denied
  const std::string user = a.serviceAccount("scanner");
  const std::string ip = a.address();
  static constexpr std::array<std::string_view, 8> kProbed = {
      "secrets", "configmaps", "nodes", "clusterroles", "daemonsets", "serviceaccounts", "persistentvolumes", "leases"};
  for (std::string_view resource : kProbed) {
    EventSpec spec = a.by(user, ip, kCurl);
    spec.verb = "list";
    spec.resource = resource;
    spec.code = 403;
    a.add(spec);
  }
}

void anonymousEnumeration(Attack& a) {  // five URIs, denied, from one address
  const std::string ip = a.address(1);
  for (std::string_view resource : {"pods", "secrets", "nodes", "namespaces", "configmaps"}) {
    EventSpec spec = a.by("system:anonymous", ip, "Go-http-client/1.1");
    spec.groups = R"("system:unauthenticated")";
    spec.verb = "list";
    spec.resource = resource;
    spec.code = 403;
    a.add(spec);
  }
}

void rbacThenWorkload(Attack& a) {  // bind oneself "edit", then run a pod, 2 s apart
  const std::string binding = "self-edit-" + a.tag();
  EventSpec bind = a.byAttacker();
  bind.verb = "create";
  bind.resource = "rolebindings";
  bind.apiGroup = "rbac.authorization.k8s.io";
  bind.namespaceName = "payments";
  bind.name = binding;
  bind.code = 201;
  bind.requestObject =
      R"({"kind":"RoleBinding","roleRef":{"kind":"ClusterRole","name":"edit"},"subjects":[{"kind":"User","name":"mallory"}]})";
  a.add(bind, true, 2000);
  const std::string pod = "miner-" + a.tag();
  EventSpec run = a.byAttacker();
  run.verb = "create";
  run.resource = "pods";
  run.namespaceName = "payments";
  run.name = pod;
  run.code = 201;
  run.requestObject = R"({"kind":"Pod","spec":{"containers":[{"name":"m","image":"docker.io/xmrig/xmrig:6.21"}]}})";
  a.add(run);
}

void stolenCredentialNewTool(Attack& a) {  // a known person's credential, denied, from a tool they never use
  const std::string ip = a.address();
  const std::string agent = "python-httpx/0.27." + a.tag();
  EventSpec spec = a.by(a.victim, ip, agent);
  spec.verb = "list";
  spec.resource = "secrets";
  spec.namespaceName = "kube-system";
  spec.code = 403;
  a.add(spec);
}

constexpr std::array<Scenario, 24> kScenarios = {{
    {"exec_shell", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a12", execShell},
    {"privileged_pod", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a03", privilegedPod},
    {"host_root_mount", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a05", hostRootMount},
    {"host_namespaces", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a04", hostPidPod},
    {"cluster_admin_binding", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a07", clusterAdminBinding},
    {"wildcard_role", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a08", wildcardRole},
    {"escalate_role", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a09", escalateRole},
    {"anonymous_allowed", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a0a", anonymousAllowed},
    {"token_request", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a0c", tokenRequest},
    {"csr_approval", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a0d", csrApproval},
    {"events_wipe", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a0e", eventsWipe},
    {"node_proxy", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a0f", nodeProxy},
    {"ephemeral_container", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a06", ephemeralContainer},
    {"webhook_deleted", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a10", webhookDeleted},
    {"cluster_wide_secrets_list", "6f1c1a52-3c4e-4a8e-9d3e-0b7c5e2f9a0b", clusterWideSecretsList},
    {"forbidden_burst_per_user", "7a0c1e52-5f7d-4a39-9d41-000000000101", forbiddenBurstPerUser},
    {"forbidden_burst_per_address", "7a0c1e52-5f7d-4a39-9d41-000000000102", forbiddenBurstPerAddress},
    {"secret_access_denied", "7a0c1e52-5f7d-4a39-9d41-000000000103", secretAccessDenied},
    {"secret_harvest", "7a0c1e52-5f7d-4a39-9d41-000000000104", secretHarvest},
    {"discovery_sweep", "7a0c1e52-5f7d-4a39-9d41-000000000105", discoverySweep},
    {"permission_probing", "7a0c1e52-5f7d-4a39-9d41-000000000106", permissionProbing},
    {"anonymous_enumeration", "7a0c1e52-5f7d-4a39-9d41-000000000107", anonymousEnumeration},
    {"rbac_then_workload", "7a0c1e52-5f7d-4a39-9d41-000000000108", rbacThenWorkload},
    {"stolen_credential_new_tool", "7a0c1e52-5f7d-4a39-9d41-000000000109", stolenCredentialNewTool},
}};

}  // namespace

std::size_t AttackScenarios::count() { return kScenarios.size(); }

std::string_view AttackScenarios::name(std::size_t scenario) { return kScenarios.at(scenario).name; }

ScenarioInstance AttackScenarios::make(std::size_t scenario, std::uint64_t instance, std::size_t cluster,
                                       std::string_view victim, std::int64_t startNanos) {
  const Scenario& chosen = kScenarios.at(scenario);
  ScenarioInstance out;
  out.scenario = std::string(chosen.name);
  out.ruleId = std::string(chosen.ruleId);
  out.cluster = cluster;
  out.startNanos = startNanos;
  Attack attack{out, random_, instance, victim};
  chosen.build(attack);
  return out;
}

std::string groundTruthLine(const ScenarioInstance& instance, std::string_view clusterName) {
  std::string line = R"({"scenario":)";
  appendJsonString(line, instance.scenario);
  line += R"(,"rule_id":)";
  appendJsonString(line, instance.ruleId);
  line += R"(,"cluster":)";
  appendJsonString(line, clusterName);
  line += R"(,"start_ns":)" + std::to_string(instance.startNanos) + R"(,"audit_ids":[)";
  for (std::size_t i = 0; i < instance.requiredAuditIds.size(); ++i) {
    if (i > 0) line += ',';
    appendJsonString(line, instance.requiredAuditIds[i]);
  }
  line += R"(],"all_audit_ids":[)";
  for (std::size_t i = 0; i < instance.events.size(); ++i) {
    if (i > 0) line += ',';
    appendJsonString(line, instance.events[i].auditId);
  }
  line += "]}";
  return line;
}

}  // namespace auditstream
