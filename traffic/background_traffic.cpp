#include "traffic/background_traffic.h"

#include <array>
#include <string_view>

#include "traffic/audit_event_builder.h"

namespace auditstream {
namespace {

constexpr std::array<std::string_view, 6> kAppNamespaces = {"payments", "checkout", "catalog",
                                                            "search",   "frontend", "identity"};
constexpr std::string_view kKubeletAgent = "kubelet/v1.29.3 (linux/amd64) kubernetes/6813625";
constexpr std::string_view kControllerAgent =
    "kube-controller-manager/v1.29.3 (linux/amd64) kubernetes/6813625/leader-election";
constexpr std::string_view kSystemMasters = R"("system:masters","system:authenticated")";
constexpr std::string_view kServiceAccountGroups =
    R"("system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated")";

std::string managedFields(std::string_view manager, std::string_view fields) {
  return R"("managedFields":[{"manager":")" + std::string(manager) +
         R"(","operation":"Update","apiVersion":"v1","time":"2026-03-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":)" +
         std::string(fields) + "}]";
}

std::string leaseBody(SplitMix& random, std::string_view ns, std::string_view name, std::string_view holder) {
  return R"({"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":")" + std::string(name) +
         R"(","namespace":")" + std::string(ns) + R"(","uid":")" + random.hex(8) + R"(","resourceVersion":")" +
         std::to_string(random.below(90000000)) + R"(",)" +
         managedFields(
             holder,
             R"({"f:spec":{"f:acquireTime":{},"f:holderIdentity":{},"f:leaseDurationSeconds":{},"f:leaseTransitions":{},"f:renewTime":{}}})") +
         R"(},"spec":{"holderIdentity":")" + std::string(holder) + "_" + random.hex(12) +
         R"(","leaseDurationSeconds":40,"acquireTime":"2026-03-01T09:00:00.000000Z","renewTime":"2026-03-01T10:00:00.000000Z","leaseTransitions":3}})";
}

std::string podBody(SplitMix& random, std::string_view ns, std::string_view name, std::string_view app) {
  std::string body =
      R"({"kind":"Pod","apiVersion":"v1","metadata":{"generateName":")" + std::string(app) + R"(-","name":")" +
      std::string(name) + R"(","namespace":")" + std::string(ns) + R"(","labels":{"app":")" + std::string(app) +
      R"(","pod-template-hash":")" + random.hex(10) +
      R"("},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":")" + std::string(app) + "-" +
      random.hex(10) + R"(","uid":")" + random.hex(8) + "-" + random.hex(4) +
      R"(","controller":true,"blockOwnerDeletion":true}]},"spec":{"volumes":[{"name":"kube-api-access-)" +
      random.hex(5) +
      R"(","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}}],"defaultMode":420}},{"name":"config","configMap":{"name":")" +
      std::string(app) + R"(-config"}}],"containers":[{"name":")" + std::string(app) +
      R"(","image":"registry.example.com/)" + std::string(app) + ":1." + std::to_string(random.below(40)) +
      R"(.2","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],"env":[{"name":"LOG_LEVEL","value":"info"},{"name":"OTEL_EXPORTER_OTLP_ENDPOINT","value":"http://otel-collector.monitoring:4317"}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"livenessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"periodSeconds":10},"readinessProbe":{"httpGet":{"path":"/ready","port":8080,"scheme":"HTTP"},"periodSeconds":5},"securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}},"volumeMounts":[{"name":"config","mountPath":"/etc/app"}],"terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":")" +
      std::string(app) +
      R"(","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{}})";
  return body;
}

std::string deploymentPatch(SplitMix& random, std::string_view app) {
  return R"({"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\")" +
         std::string(app) + R"(\"},\"spec\":{\"replicas\":3}}\n"},"labels":{"app.kubernetes.io/version":"1.)" +
         std::to_string(random.below(40)) +
         R"(.2"}},"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-03-01T10:00:00Z"}},"spec":{"containers":[{"name":")" +
         std::string(app) + R"(","image":"registry.example.com/)" + std::string(app) + ":1." +
         std::to_string(random.below(40)) +
         R"(.2","env":[{"name":"FEATURE_FLAGS","value":"checkout-v2,search-rerank"}]}]}}}})";
}

std::string endpointSliceBody(SplitMix& random, std::string_view ns, std::string_view app) {
  std::string endpoints;
  for (int i = 0; i < 3; ++i) {
    if (i > 0) endpoints += ',';
    endpoints +=
        R"({"addresses":["10.244.)" + std::to_string(random.below(250)) + "." + std::to_string(random.below(250)) +
        R"("],"conditions":{"ready":true,"serving":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":")" +
        std::string(ns) + R"(","name":")" + std::string(app) + "-" + random.hex(5) + R"("},"nodeName":"node-)" +
        std::to_string(random.below(40)) + R"(","zone":"eu-west-1a"})";
  }
  return R"({"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":")" + std::string(app) + "-" +
         random.hex(5) + R"(","namespace":")" + std::string(ns) +
         R"(","labels":{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":")" +
         std::string(app) + R"("}},"addressType":"IPv4","endpoints":[)" + endpoints +
         R"(],"ports":[{"name":"http","protocol":"TCP","port":8080}]})";
}

std::string podStatusPatch(SplitMix& random) {
  return R"({"metadata":{"uid":")" + random.hex(8) + "-" + random.hex(4) +
         R"("},"status":{"$setElementOrder/conditions":[{"type":"Initialized"},{"type":"Ready"},{"type":"ContainersReady"},{"type":"PodScheduled"}],"conditions":[{"lastTransitionTime":"2026-03-01T10:00:00Z","status":"True","type":"Ready"},{"lastTransitionTime":"2026-03-01T10:00:00Z","status":"True","type":"ContainersReady"}],"containerStatuses":[{"containerID":"containerd://)" +
         random.hex(32) + R"(","image":"registry.example.com/web:1.4.2","imageID":"registry.example.com/web@sha256:)" +
         random.hex(32) +
         R"(","lastState":{},"name":"web","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":"2026-03-01T10:00:00Z"}}}],"podIP":"10.244.3.17"}})";
}

std::string eventBody(SplitMix& random, std::string_view ns, std::string_view pod, std::string_view node) {
  return R"({"kind":"Event","apiVersion":"v1","metadata":{"name":")" + std::string(pod) + "." + random.hex(16) +
         R"(","namespace":")" + std::string(ns) + R"("},"involvedObject":{"kind":"Pod","namespace":")" +
         std::string(ns) + R"(","name":")" + std::string(pod) +
         R"(","apiVersion":"v1","fieldPath":"spec.containers{web}"},"reason":"Pulled","message":"Container image \"registry.example.com/web:1.4.2\" already present on machine","source":{"component":"kubelet","host":")" +
         std::string(node) +
         R"("},"firstTimestamp":"2026-03-01T10:00:00Z","lastTimestamp":"2026-03-01T10:00:00Z","count":1,"type":"Normal","reportingComponent":"kubelet","reportingInstance":")" +
         std::string(node) + R"("})";
}

struct Draw {
  SplitMix& random;
  std::string_view ns() { return kAppNamespaces[random.below(kAppNamespaces.size())]; }
  std::string_view app() {
    static constexpr std::array<std::string_view, 8> kApps = {"web",    "api",      "worker", "cart",
                                                              "search", "checkout", "auth",   "gateway"};
    return kApps[random.below(kApps.size())];
  }
};

}  // namespace

BackgroundTraffic::BackgroundTraffic(std::vector<ClusterProfile> clusters, std::uint64_t seed)
    : clusters_(std::move(clusters)), random_(seed) {}

std::string BackgroundTraffic::humanUserAgent(std::size_t human) {
  static constexpr std::array<std::string_view, 3> kAgents = {"kubectl/v1.29.3 (linux/amd64) kubernetes/6813625",
                                                              "kubectl/v1.30.1 (darwin/arm64) kubernetes/6911225",
                                                              "k9s/v0.32.4 (linux/amd64)"};
  return std::string(kAgents[human % kAgents.size()]);
}

std::string BackgroundTraffic::humanAddress(std::size_t cluster, std::size_t human) {
  return "172.20." + std::to_string(cluster % 250) + "." + std::to_string(10 + human);
}

GeneratedEvent BackgroundTraffic::machineEvent(std::int64_t nanos) {
  SplitMix& r = random_;
  Draw draw{r};
  const std::size_t clusterIndex = r.below(clusters_.size());
  const ClusterProfile& cluster = clusters_[clusterIndex];
  const int nodeNumber = static_cast<int>(r.below(static_cast<std::size_t>(cluster.nodes)));
  const std::string node = "node-" + std::to_string(nodeNumber);
  const std::string nodeUser = "system:node:" + node;
  const std::string nodeIp = "10.0." + std::to_string(nodeNumber / 250) + "." + std::to_string(10 + nodeNumber % 240);
  const std::string apiserverIp = "10.0.255." + std::to_string(1 + r.below(3));
  const std::string_view ns = draw.ns();
  const std::string_view app = draw.app();
  const std::string podName = std::string(app) + "-" + r.hex(10).substr(0, 5);
  std::string body;
  std::string user;
  EventSpec spec;
  spec.latencyMicros = static_cast<std::int64_t>(500 + r.below(8000));
  const auto asNode = [&] {
    user = nodeUser;
    spec.user = user;
    spec.groups = R"("system:nodes","system:authenticated")";
    spec.sourceIp = nodeIp;
    spec.userAgent = kKubeletAgent;
  };
  const auto asServiceAccount = [&](std::string_view account, std::string_view agent) {
    user = std::string(account);
    spec.user = user;
    spec.groups = kServiceAccountGroups;
    spec.sourceIp = apiserverIp;
    spec.userAgent = agent;
  };
  static constexpr std::array<std::string_view, 6> kCertSecrets = {
      "ingress-tls", "api-tls", "webhook-server-cert", "cert-manager-webhook-ca", "letsencrypt-prod", "mtls-ca"};
  const std::size_t pick = r.below(1000);
  if (pick < 140) {  // node lease renewals
    asNode();
    spec.verb = "update";
    spec.resource = "leases";
    spec.apiGroup = "coordination.k8s.io";
    spec.namespaceName = "kube-node-lease";
    spec.name = node;
  } else if (pick < 330) {  // kubelets reading what their pods mount
    asNode();
    spec.verb = "get";
    const std::size_t kind = r.below(3);
    spec.resource = kind == 0 ? "secrets" : kind == 1 ? "configmaps" : "pods";
    spec.namespaceName = ns;
    body = kind == 2 ? podName : std::string(app) + (kind == 0 ? "-credentials" : "-config");
    spec.name = body;
  } else if (pick < 390) {  // pod status
    asNode();
    spec.verb = "patch";
    spec.resource = "pods";
    spec.subresource = "status";
    spec.namespaceName = ns;
    spec.name = podName;
    body = podStatusPatch(r);
    spec.requestObject = body;
  } else if (pick < 440) {  // kubelet events
    asNode();
    spec.verb = "create";
    spec.resource = "events";
    spec.namespaceName = ns;
    body = eventBody(r, ns, podName, node);
    spec.requestObject = body;
    spec.code = 201;
  } else if (pick < 470) {  // bound service-account tokens for pods
    asNode();
    spec.verb = "create";
    spec.resource = "serviceaccounts";
    spec.subresource = "token";
    spec.namespaceName = ns;
    spec.name = app;
    spec.code = 201;
  } else if (pick < 510) {  // leader election
    const bool scheduler = r.below(2) == 0;
    user = scheduler ? "system:kube-scheduler" : "system:kube-controller-manager";
    spec.user = user;
    spec.groups = R"("system:authenticated")";
    spec.sourceIp = "10.0.255.1";
    spec.userAgent =
        scheduler ? "kube-scheduler/v1.29.3 (linux/amd64) kubernetes/6813625/leader-election" : kControllerAgent;
    spec.verb = r.below(2) == 0 ? "get" : "update";
    spec.resource = "leases";
    spec.apiGroup = "coordination.k8s.io";
    spec.namespaceName = "kube-system";
    spec.name = scheduler ? "kube-scheduler" : "kube-controller-manager";
    if (spec.verb == "update") {
      body = leaseBody(r, "kube-system", spec.name, user);
      spec.requestObject = body;
      spec.responseObject = body;  // leader election is logged at RequestResponse
    }
  } else if (pick < 570) {  // endpoint slices
    asServiceAccount("system:serviceaccount:kube-system:endpointslice-controller", kControllerAgent);
    spec.verb = "update";
    spec.resource = "endpointslices";
    spec.apiGroup = "discovery.k8s.io";
    spec.namespaceName = ns;
    spec.name = app;
    body = endpointSliceBody(r, ns, app);
    spec.requestObject = body;
  } else if (pick < 610) {  // replica sets create pods, with the full spec
    asServiceAccount("system:serviceaccount:kube-system:replicaset-controller", kControllerAgent);
    spec.verb = "create";
    spec.resource = "pods";
    spec.namespaceName = ns;
    spec.code = 201;
    body = podBody(r, ns, podName, app);
    spec.requestObject = body;
  } else if (pick < 650) {  // controllers: deployment status, generic gets
    asServiceAccount(r.below(2) == 0 ? "system:serviceaccount:kube-system:deployment-controller"
                                     : "system:serviceaccount:kube-system:generic-garbage-collector",
                     kControllerAgent);
    spec.verb = user.ends_with("deployment-controller") ? "update" : "get";
    spec.resource = user.ends_with("deployment-controller") ? "deployments" : "replicasets";
    spec.subresource = spec.verb == "update" ? "status" : "";
    spec.apiGroup = "apps";
    spec.namespaceName = ns;
    spec.name = app;
  } else if (pick < 690) {  // watches (re-established every few minutes)
    asServiceAccount("system:kube-controller-manager", kControllerAgent);
    spec.verb = "watch";
    static constexpr std::array<std::string_view, 4> kWatched = {"pods", "configmaps", "services", "nodes"};
    spec.resource = kWatched[r.below(kWatched.size())];
    spec.uriQuery = "allowWatchBookmarks=true&resourceVersion=6577334&timeout=7m43s&timeoutSeconds=463&watch=true";
  } else if (pick < 790) {  // cert-manager reading and renewing its secrets
    asServiceAccount("system:serviceaccount:cert-manager:cert-manager",
                     "cert-manager-controller/v1.14.4 (linux/amd64)");
    spec.verb = r.below(5) == 0 ? "update" : "get";
    spec.resource = "secrets";
    spec.namespaceName = "cert-manager";
    spec.name = kCertSecrets[r.below(kCertSecrets.size())];
  } else if (pick < 850) {  // Prometheus: namespaced lists, kubelet metrics through the API server
    asServiceAccount("system:serviceaccount:monitoring:prometheus-k8s", "Prometheus/2.51.1");
    if (r.below(3) == 0) {
      spec.verb = "get";
      spec.resource = "nodes";
      spec.subresource = "proxy";
      body = "/api/v1/nodes/" + node + "/proxy/metrics" + (r.below(2) == 0 ? "/cadvisor" : "");
      spec.name = node;
      spec.requestUri = body;
    } else {
      spec.verb = "list";
      static constexpr std::array<std::string_view, 3> kListed = {"endpoints", "services", "pods"};
      spec.resource = kListed[r.below(kListed.size())];
      spec.namespaceName = ns;
      spec.uriQuery = "limit=500&resourceVersion=0";
    }
  } else if (pick < 880) {  // Argo CD and the CI deployer apply deployments
    const bool argo = r.below(3) != 0;
    asServiceAccount(
        argo ? "system:serviceaccount:argocd:argocd-application-controller" : "system:serviceaccount:ci:deployer",
        argo ? "argocd-application-controller/v2.10.5" : "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625");
    spec.verb = r.below(3) == 0 ? "patch" : "get";
    spec.resource = "deployments";
    spec.apiGroup = "apps";
    spec.namespaceName = ns;
    spec.name = app;
    if (spec.verb == "patch") {
      body = deploymentPatch(r, app);
      spec.requestObject = body;
    }
  } else if (pick < 930) {  // API priority and fairness, RBAC reconciliation reads
    user = "system:apiserver";
    spec.user = user;
    spec.groups = kSystemMasters;
    spec.sourceIp = "::1";
    spec.userAgent = "kube-apiserver/v1.29.3 (linux/amd64) kubernetes/6813625";
    spec.verb = "get";
    static constexpr std::array<std::string_view, 3> kRead = {"flowschemas", "prioritylevelconfigurations",
                                                              "clusterroles"};
    spec.resource = kRead[r.below(kRead.size())];
    spec.apiGroup = spec.resource == "clusterroles" ? "rbac.authorization.k8s.io" : "flowcontrol.apiserver.k8s.io";
    spec.name = spec.resource == "clusterroles" ? "view" : "global-default";
  } else {  // load balancers probing health anonymously
    user = "system:anonymous";
    spec.user = user;
    spec.groups = R"("system:unauthenticated")";
    body = "10.0.254." + std::to_string(1 + r.below(4));
    spec.sourceIp = body.c_str();
    spec.userAgent = "kube-probe/1.29";
    spec.verb = "get";
    static constexpr std::array<std::string_view, 4> kProbes = {"/healthz", "/livez", "/readyz", "/version"};
    spec.requestUri = kProbes[r.below(kProbes.size())];
  }
  BuiltEvent built = buildAuditEvent(spec, nanos, r);
  return GeneratedEvent{clusterIndex, std::move(user), std::move(built.auditId), std::move(built.json)};
}

GeneratedEvent BackgroundTraffic::humanEvent(std::size_t clusterIndex, std::size_t human, std::int64_t nanos) {
  SplitMix& r = random_;
  Draw draw{r};
  const ClusterProfile& cluster = clusters_[clusterIndex];
  const std::string& user = cluster.humans[human];
  const std::string agent = humanUserAgent(human);
  const std::string address = humanAddress(clusterIndex, human);
  // Each person works in "their" namespace and touches at most two sensitive types (pods, configmaps).
  const std::string_view ns = kAppNamespaces[(human + clusterIndex) % kAppNamespaces.size()];
  const std::string_view app = draw.app();
  std::string name;
  std::string body;
  EventSpec spec;
  spec.user = user;
  spec.groups = R"("oidc:platform-team","system:authenticated")";
  spec.sourceIp = address;
  spec.userAgent = agent;
  spec.latencyMicros = static_cast<std::int64_t>(2000 + r.below(30000));
  const std::size_t pick = r.below(100);
  if (pick < 20) {  // discovery before most kubectl commands
    spec.verb = "get";
    spec.requestUri = r.below(2) == 0 ? "/api" : "/apis";
  } else if (pick < 50) {
    spec.verb = "list";
    spec.resource = "pods";
    spec.namespaceName = ns;
    spec.uriQuery = "limit=500";
  } else if (pick < 62) {
    spec.verb = "get";
    spec.resource = "pods";
    spec.subresource = r.below(2) == 0 ? "log" : "";
    spec.namespaceName = ns;
    name = std::string(app) + "-" + r.hex(5);
    spec.name = name;
  } else if (pick < 78) {
    spec.verb = r.below(2) == 0 ? "list" : "get";
    spec.resource = "deployments";
    spec.apiGroup = "apps";
    spec.namespaceName = ns;
    if (spec.verb == "get") spec.name = app;
  } else if (pick < 86) {
    spec.verb = "get";
    spec.resource = "configmaps";
    spec.namespaceName = ns;
    name = std::string(app) + "-config";
    spec.name = name;
  } else if (pick < 93) {  // kubectl apply
    spec.verb = "patch";
    spec.resource = "deployments";
    spec.apiGroup = "apps";
    spec.namespaceName = ns;
    spec.name = app;
    body = deploymentPatch(r, app);
    spec.requestObject = body;
  } else if (pick < 99 || r.chance(0.5)) {
    spec.verb = "list";
    spec.resource = "events";
    spec.namespaceName = ns;
  } else {  // an honest mistake (one request in 200): not allowed to list persistent volumes
    spec.verb = "list";
    spec.resource = "persistentvolumes";
    spec.code = 403;
  }
  BuiltEvent built = buildAuditEvent(spec, nanos, r);
  return GeneratedEvent{clusterIndex, user, std::move(built.auditId), std::move(built.json)};
}

}  // namespace auditstream
