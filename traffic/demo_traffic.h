// DemoTraffic: audit events for the demo — background traffic for several clusters (controllers renewing
// leases, kubelets reading pods and configmaps, people listing things) with attacks injected on a fixed
// schedule: an interactive exec, a privileged pod, a burst of denied secret reads, secret enumeration,
// and a cluster-admin binding followed by a pod creation. Timestamps are the real "now" so windows close
// as the demo runs. Deterministic for a seed, apart from the clock.
//
// Owned by the demo's producer thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace auditstream {

struct DemoEvent {
  std::string topic;  // audit.<cluster>
  std::string key;    // the user, as shippers key by
  std::string json;
};

class DemoTraffic {
 public:
  DemoTraffic(std::vector<std::string> clusters, std::uint64_t seed);

  const std::vector<std::string>& clusters() const { return clusters_; }
  // The events of the slice (elapsedBefore, elapsedAfter] seconds into the demo: about
  // `backgroundPerSecond` background events per second over all clusters, and any attack step
  // scheduled in the slice. `nowNanos` stamps them.
  std::vector<DemoEvent> slice(double elapsedBefore, double elapsedAfter, double backgroundPerSecond,
                               std::int64_t nowNanos);

 private:
  std::string event(const std::string& cluster, std::int64_t nowNanos, const std::string& verb,
                    const std::string& resource, const std::string& ns, const std::string& name,
                    const std::string& subresource, const std::string& user, int code, const std::string& userAgent,
                    const std::string& requestObject, const std::string& uri = {});
  void background(std::vector<DemoEvent>& out, std::int64_t nowNanos);
  void attackStep(std::vector<DemoEvent>& out, const std::string& cluster, int step, int cycle, std::int64_t now);

  std::vector<std::string> clusters_;
  std::mt19937_64 random_;
  double backgroundDebt_ = 0;
};

}  // namespace auditstream
