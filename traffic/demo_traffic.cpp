#include "traffic/demo_traffic.h"

#include <cmath>

#include "traffic/audit_event_builder.h"

namespace auditstream {
namespace {

constexpr double kCycleSeconds = 20;  // the attack schedule repeats every 20 s per cluster

}  // namespace

DemoTraffic::DemoTraffic(std::vector<std::string> clusters, std::uint64_t seed)
    : clusters_(std::move(clusters)), random_(seed) {}

std::string DemoTraffic::event(const std::string& cluster, std::int64_t nowNanos, const std::string& verb,
                               const std::string& resource, const std::string& ns, const std::string& name,
                               const std::string& subresource, const std::string& user, int code,
                               const std::string& userAgent, const std::string& requestObject, const std::string& uri) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) id += '-';
    id += kHex[random_() % 16];
  }
  const std::string path = uri.empty()
                               ? "/api/v1" + (ns.empty() ? "" : "/namespaces/" + ns) + "/" + resource +
                                     (name.empty() ? "" : "/" + name) + (subresource.empty() ? "" : "/" + subresource)
                               : uri;
  const std::string time = formatAuditTime(nowNanos);
  std::string json = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":")" +
                     std::string(requestObject.empty() ? "Metadata" : "Request") + R"(","auditID":")" + id +
                     R"(","stage":"ResponseComplete","requestURI":")" + path + R"(","verb":")" + verb +
                     R"(","user":{"username":")" + user + R"(","groups":["system:authenticated"]},"sourceIPs":["10.)" +
                     std::to_string(cluster.size()) + "." + std::to_string(user.size()) + R"(.7"],"userAgent":")" +
                     userAgent + R"(","objectRef":{"resource":")" + resource + "\"";
  if (!ns.empty()) json += R"(,"namespace":")" + ns + "\"";
  if (!name.empty()) json += R"(,"name":")" + name + "\"";
  if (!subresource.empty()) json += R"(,"subresource":")" + subresource + "\"";
  if (resource == "clusterrolebindings" || resource == "rolebindings")
    json += R"(,"apiGroup":"rbac.authorization.k8s.io")";
  json += R"(,"apiVersion":"v1"},"responseStatus":{"metadata":{},"code":)" + std::to_string(code) + "},";
  if (!requestObject.empty()) json += R"("requestObject":)" + requestObject + ",";
  json += R"("requestReceivedTimestamp":")" + time + R"(","stageTimestamp":")" + time +
          R"(","annotations":{"authorization.k8s.io/decision":")" + (code == 403 ? "forbid" : "allow") + "\"}}";
  return json;
}

void DemoTraffic::background(std::vector<DemoEvent>& out, std::int64_t now) {
  const std::string& cluster = clusters_[random_() % clusters_.size()];
  const std::string topic = "audit." + cluster;
  const std::string node = "worker-" + std::to_string(random_() % 6);
  switch (random_() % 5) {
    case 0:
    case 1:
      out.push_back({topic, "kcm",
                     event(cluster, now, "update", "leases", "kube-system", "kube-controller-manager", "",
                           "system:kube-controller-manager", 200, "kube-controller-manager/v1.29.3", "")});
      break;
    case 2:
      out.push_back({topic, node,
                     event(cluster, now, "get", "configmaps", "payments", "app-config", "", "system:node:" + node, 200,
                           "kubelet/v1.29.3 (linux/amd64)", "")});
      break;
    case 3:
      out.push_back({topic, "scheduler",
                     event(cluster, now, "watch", "pods", "", "", "", "system:kube-scheduler", 200,
                           "kube-scheduler/v1.29.3", "", "/api/v1/pods?watch=true")});
      break;
    default:
      out.push_back({topic, "alice",
                     event(cluster, now, "list", "pods", "payments", "", "", "alice@example.com", 200,
                           "kubectl/v1.29.3 (linux/amd64)", "")});
      break;
  }
}

void DemoTraffic::attackStep(std::vector<DemoEvent>& out, const std::string& cluster, int step, int cycle,
                             std::int64_t now) {
  const std::string topic = "audit." + cluster;
  const std::string attacker = "mallory-" + std::to_string(cycle);
  const std::string kubectl = "kubectl/v1.29.3 (linux/amd64)";
  switch (step) {
    case 0:  // an interactive shell in a pod
      out.push_back({topic, attacker,
                     event(cluster, now, "create", "pods", "payments", "api-7d9f", "exec", attacker, 101, kubectl, "",
                           "/api/v1/namespaces/payments/pods/api-7d9f/exec?command=%2Fbin%2Fsh&stdin=true&tty=true")});
      break;
    case 1:  // a privileged pod mounting the node's root
      out.push_back(
          {topic, attacker,
           event(
               cluster, now, "create", "pods", "default", "debug-" + std::to_string(cycle), "", attacker, 201, kubectl,
               R"({"kind":"Pod","spec":{"hostPID":true,"containers":[{"name":"x","image":"busybox","securityContext":{"privileged":true}}],"volumes":[{"name":"root","hostPath":{"path":"/"}}]}})")});
      break;
    case 2:  // a stolen token tries secrets: a burst of 403s
      for (int i = 0; i < 12; ++i) {
        out.push_back({topic, "eve",
                       event(cluster, now, "get", "secrets", "payments", "db-" + std::to_string(i), "",
                             "eve-" + std::to_string(cycle), 403, "curl/8.5.0", "")});
      }
      break;
    case 3:  // secret harvesting, one get at a time
      for (int i = 0; i < 16; ++i) {
        out.push_back(
            {topic, "harvester",
             event(cluster, now, "get", "secrets", "payments", "secret-" + std::to_string(i), "",
                   "system:serviceaccount:ci:harvester-" + std::to_string(cycle), 200, "python-requests/2.31", "")});
      }
      break;
    case 4:  // cluster-admin for oneself, then a pod right after
      out.push_back(
          {topic, attacker,
           event(
               cluster, now, "create", "clusterrolebindings", "", "pwn-" + std::to_string(cycle), "", attacker, 201,
               kubectl,
               R"({"kind":"ClusterRoleBinding","roleRef":{"kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"mallory"}]})")});
      // A millisecond later, as an apiserver stamps it: at the same instant the two would be ordered by their
      // audit IDs (ties of event time), and the sequence would be seen half the time.
      out.push_back(
          {topic, attacker,
           event(cluster, now + 1'000'000, "create", "pods", "default", "miner-" + std::to_string(cycle), "", attacker,
                 201, kubectl, R"({"kind":"Pod","spec":{"containers":[{"name":"m","image":"xmrig"}]}})")});
      break;
    default: break;
  }
}

std::vector<DemoEvent> DemoTraffic::slice(double before, double after, double backgroundPerSecond, std::int64_t now) {
  std::vector<DemoEvent> out;
  backgroundDebt_ += (after - before) * backgroundPerSecond;
  for (; backgroundDebt_ >= 1; backgroundDebt_ -= 1) background(out, now);
  // Attack steps at 2, 5, 8, 11 and 14 s into each 20 s cycle; clusters are offset by 3 s each.
  for (std::size_t c = 0; c < clusters_.size(); ++c) {
    for (int step = 0; step < 5; ++step) {
      const double offset = 2.0 + 3.0 * step + 3.0 * static_cast<double>(c);
      const double first = std::floor((before - offset) / kCycleSeconds) + 1;
      for (double cycle = std::max(0.0, first); offset + cycle * kCycleSeconds <= after; ++cycle) {
        if (offset + cycle * kCycleSeconds > before) attackStep(out, clusters_[c], step, static_cast<int>(cycle), now);
      }
    }
  }
  return out;
}

}  // namespace auditstream
