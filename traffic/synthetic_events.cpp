#include "traffic/synthetic_events.h"

#include <array>
#include <string_view>

#include "traffic/split_mix.h"

namespace auditstream {
namespace {

struct Shape {
  std::string_view verb;
  std::string_view resource;
  std::string_view apiGroup;
  std::string_view user;
  std::string_view userAgent;
  bool namespaced;
  bool body;
  int weight;
};

constexpr std::array<Shape, 9> kShapes = {{
    {"update", "leases", "coordination.k8s.io", "system:kube-controller-manager", "kube-controller-manager/v1.29.3",
     true, true, 25},
    {"get", "leases", "coordination.k8s.io", "system:node:worker-7", "kubelet/v1.29.3 (linux/amd64)", true, false, 20},
    {"watch", "pods", "", "system:kube-scheduler", "kube-scheduler/v1.29.3", false, false, 12},
    {"list", "configmaps", "", "system:serviceaccount:monitoring:prometheus", "prometheus/2.51", true, false, 10},
    {"get", "secrets", "", "system:node:worker-3", "kubelet/v1.29.3 (linux/amd64)", true, false, 10},
    {"create", "pods", "", "system:serviceaccount:kube-system:replicaset-controller", "kube-controller-manager/v1.29.3",
     true, true, 8},
    {"patch", "deployments", "apps", "alice@example.com", "kubectl/v1.29.3 (linux/amd64)", true, true, 5},
    {"update", "configmaps", "", "system:serviceaccount:argocd:argocd-application-controller", "argocd/v2.10", true,
     true, 6},
    {"get", "namespaces", "", "bob@example.com", "kubectl/v1.29.3 (linux/amd64)", false, false, 4},
}};

constexpr std::array<std::string_view, 6> kNamespaces = {"default",    "payments",    "checkout",
                                                         "monitoring", "kube-system", "argocd"};

std::string podBody(SplitMix& random, std::string_view ns, const std::string& name) {
  std::string body =
      R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":")" + name + R"(","namespace":")" + std::string(ns) +
      R"(","labels":{"app":"web","pod-template-hash":")" + random.hex(10) +
      R"("},"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-03-01T10:00:00Z"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-)" +
      random.hex(10) + R"(","uid":")" + random.hex(8) + "-" + random.hex(4) + R"(","controller":true}]},)";
  body +=
      R"("spec":{"volumes":[{"name":"kube-api-access","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}]}}],)";
  body +=
      R"("containers":[{"name":"web","image":"registry.example.com/web:1.)" + std::to_string(random.below(40)) +
      R"(","ports":[{"containerPort":8080,"protocol":"TCP"}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},)";
  body += R"("env":[{"name":"LOG_LEVEL","value":"info"},{"name":"REGION","value":"eu-west-1"}],)";
  body +=
      R"("securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true,"capabilities":{"drop":["ALL"]}}}],)";
  body += R"("restartPolicy":"Always","serviceAccountName":"web","nodeName":"worker-)" +
          std::to_string(random.below(12)) + R"("}})";
  return body;
}

std::string leaseBody(SplitMix& random, std::string_view ns, const std::string& name) {
  return R"({"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":")" + name + R"(","namespace":")" +
         std::string(ns) + R"(","resourceVersion":")" + std::to_string(random.below(9000000)) +
         R"(","managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"coordination.k8s.io/v1","time":"2026-03-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:acquireTime":{},"f:holderIdentity":{},"f:leaseDurationSeconds":{},"f:leaseTransitions":{},"f:renewTime":{}}}}]},"spec":{"holderIdentity":"controller-)" +
         random.hex(12) +
         R"(","leaseDurationSeconds":15,"acquireTime":"2026-03-01T09:00:00.000000Z","renewTime":"2026-03-01T10:00:00.000000Z","leaseTransitions":3}})";
}

}  // namespace

std::vector<std::string> makeSyntheticEvents(std::size_t count, std::uint64_t seed) {
  SplitMix random(seed);
  int totalWeight = 0;
  for (const Shape& shape : kShapes) totalWeight += shape.weight;
  std::vector<std::string> events;
  events.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    int pick = static_cast<int>(random.below(static_cast<std::size_t>(totalWeight)));
    const Shape* shape = kShapes.data();
    while (pick >= shape->weight) pick -= (shape++)->weight;
    const std::string_view ns = kNamespaces[random.below(kNamespaces.size())];
    const std::string name = std::string(shape->resource.substr(0, 3)) + "-" + random.hex(6);
    const std::string base = shape->apiGroup.empty() ? "/api/v1" : "/apis/" + std::string(shape->apiGroup) + "/v1";
    const bool named = shape->verb != "list" && shape->verb != "watch";
    const std::string uri =
        base + (shape->namespaced ? "/namespaces/" + std::string(ns) : "") + "/" + std::string(shape->resource) +
        (named ? "/" + name : "") +
        (shape->verb == "watch" ? "?allowWatchBookmarks=true&resourceVersion=81234&watch=true" : "");
    const int second = static_cast<int>(i % 60);
    const std::string time = "2026-03-01T10:" + std::string(i / 60 % 60 < 10 ? "0" : "") + std::to_string(i / 60 % 60) +
                             ":" + (second < 10 ? "0" : "") + std::to_string(second);
    std::string event = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":")" +
                        random.hex(8) + "-" + random.hex(4) + "-" + random.hex(4) + "-" + random.hex(4) + "-" +
                        random.hex(12) + R"(","stage":"ResponseComplete","requestURI":")" + uri + R"(","verb":")" +
                        std::string(shape->verb) + R"(","user":{"username":")" + std::string(shape->user) +
                        R"(","uid":")" + random.hex(8) + R"(","groups":["system:authenticated"]},"sourceIPs":["10.0.)" +
                        std::to_string(random.below(255)) + "." + std::to_string(random.below(255)) +
                        R"("],"userAgent":")" + std::string(shape->userAgent) + R"(","objectRef":{"resource":")" +
                        std::string(shape->resource) + "\"";
    if (shape->namespaced) event += R"(,"namespace":")" + std::string(ns) + "\"";
    if (named) event += R"(,"name":")" + name + "\"";
    if (!shape->apiGroup.empty()) event += R"(,"apiGroup":")" + std::string(shape->apiGroup) + "\"";
    event += R"(,"apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},)";
    if (shape->body) {
      event += R"("requestObject":)" +
               (shape->resource == "pods" ? podBody(random, ns, name) : leaseBody(random, ns, name)) + ",";
    } else {
      // RequestResponse reads log what they return.
      event += R"("responseObject":)" + leaseBody(random, ns, name) + ",";
    }
    event +=
        R"("requestReceivedTimestamp":")" + time + R"(.100000Z","stageTimestamp":")" + time +
        R"(.104000Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:controller\" of ClusterRole \"system:controller\" to User"}})";
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace auditstream
