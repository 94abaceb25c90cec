// AttackScenarios: the attacks the load generator injects into background traffic, one per rule
// behaviour worth proving end to end — every bundled correlation (bursts of 403s per identity and per
// address, denied secret reads, secret harvesting, discovery sweeps, permission probing, anonymous
// enumeration, RBAC change then workload write, a stolen credential used from a new tool) and the main
// stateless detections (shell exec, privileged and host-mounting pods, cluster-admin and wildcard RBAC,
// tokens, CSR approval, node proxy, ephemeral containers, webhook and events tampering).
//
// Each injected instance uses identities and addresses of its own, so instances never share a
// correlation window, and yields its ground truth: the rule that must fire, and the audit IDs that must
// all appear in one alert of that rule for that cluster.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/background_traffic.h"

namespace auditstream {

struct ScenarioInstance {
  std::string scenario;
  std::string ruleId;
  std::size_t cluster = 0;
  std::int64_t startNanos = 0;
  std::vector<std::string> requiredAuditIds;
  std::vector<GeneratedEvent> events;  // in time order; times from startNanos on
  std::vector<std::int64_t> eventNanos;
};

class AttackScenarios {
 public:
  explicit AttackScenarios(std::uint64_t seed) : random_(seed) {}

  static std::size_t count();
  static std::string_view name(std::size_t scenario);
  // Instance `instance` (numbers identities and addresses) of `scenario` in `cluster`, starting at
  // `startNanos`. `victim` is a person of that cluster's background whose usual tool is known.
  ScenarioInstance make(std::size_t scenario, std::uint64_t instance, std::size_t cluster, std::string_view victim,
                        std::int64_t startNanos);

 private:
  SplitMix random_;
};

// One JSON line of the ground-truth file.
std::string groundTruthLine(const ScenarioInstance& instance, std::string_view clusterName);

}  // namespace auditstream
