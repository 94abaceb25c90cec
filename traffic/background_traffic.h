// BackgroundTraffic: what a healthy cluster's API server logs, for the load generator. The mix is modelled
// on the real logs in ../shared/datasets (perfspec-csv: 74 % get, 8 % update, 5 % list, 5 % create, 3 %
// watch, 2 % delete; kubelets, kube-system controllers, cert-manager and a monitoring stack as the heavy
// hitters; anonymous health probes; audit2rbac: people with kubectl): kubelets renewing node leases,
// reading their pods' secrets and configmaps, patching pod status, minting service-account tokens;
// controller-manager and scheduler leases; kube-system controllers writing endpoint slices and
// creating pods with full specs; cert-manager reading and renewing its secrets; Prometheus scraping
// kubelets through the API server; Argo CD and a CI deployer applying deployments; anonymous /healthz;
// and a few people per cluster using kubectl at a human pace (their rate does not grow with the
// offered rate). Sizes run from ~600 bytes (Metadata) to ~3 KB (pod creations with RequestResponse).
//
// It is benign by construction for the bundled rules of our own (config/rules/auditstream and the
// correlations): nothing here should raise a medium-or-higher alert — the load test measures exactly
// that. SigmaHQ's noisier rules may still fire on it (reported separately).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traffic/split_mix.h"

namespace auditstream {

struct ClusterProfile {
  std::string name;
  int nodes = 40;
  std::vector<std::string> humans;  // kubectl users, each with a stable user agent and address
};

// One event for Kafka: the topic's cluster, the shipper's key (see KeyBy) and the JSON line.
struct GeneratedEvent {
  std::size_t cluster = 0;
  std::string user;  // for keying
  std::string auditId;
  std::string json;
};

class BackgroundTraffic {
 public:
  BackgroundTraffic(std::vector<ClusterProfile> clusters, std::uint64_t seed);

  const std::vector<ClusterProfile>& clusters() const { return clusters_; }
  // One machine-made event (kubelets, controllers, operators, probes) at `nanos`.
  GeneratedEvent machineEvent(std::int64_t nanos);
  // One kubectl request by person `human` of cluster `cluster` at `nanos`.
  GeneratedEvent humanEvent(std::size_t cluster, std::size_t human, std::int64_t nanos);
  // The user agent and source address person `human` always uses.
  static std::string humanUserAgent(std::size_t human);
  static std::string humanAddress(std::size_t cluster, std::size_t human);

 private:
  std::vector<ClusterProfile> clusters_;
  SplitMix random_;
};

}  // namespace auditstream
