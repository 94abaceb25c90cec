// Alert: what a rule firing produces, as ARCHITECTURE.md (Alerts) describes — a deterministic id (rule
// id + cluster + group key + window start, so a replay of the same events yields the same ids), the
// rule's metadata (author included: DRL 1.1 requires it), cluster, group-by values, counts and times,
// the evidence an analyst reads first, and where in Kafka the (last) event came from.
//
// A value type; moved from the worker that builds it to the sinks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/event_time.h"
#include "engine/rule_spec.h"

namespace auditstream {

struct AlertEvidence {
  std::vector<std::string> auditIds;  // capped (kMaxEvidenceAuditIds)
  std::string user;
  std::string impersonatedUser;
  std::vector<std::string> sourceIps;
  std::string verb;
  std::string requestUri;
  std::string namespaceName;
  std::string resource;
  std::string subresource;
  std::string name;
  std::string responseCode;
  std::string decision;  // annotations["authorization.k8s.io/decision"]
  std::string userAgent;
};
inline constexpr std::size_t kMaxEvidenceAuditIds = 20;

struct AlertProvenance {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

struct Alert {
  std::string id;
  std::shared_ptr<const RuleMetadata> rule;
  std::string cluster;
  std::vector<std::pair<std::string, std::string>> groupBy;
  std::uint64_t count = 1;
  EventTime firstEventTime;
  EventTime lastEventTime;
  AlertEvidence evidence;
  std::optional<AlertProvenance> provenance;
  std::uint64_t folded = 0;  // alerts of the same rule and group key throttled into this one (sinks/)
};

// 32 hex digits derived from the parts; stable across runs, machines and versions.
std::string makeAlertId(std::string_view ruleId, std::string_view cluster, std::string_view groupKey,
                        EventTime windowStart);

// The alert as one line of JSON (no trailing newline).
std::string alertToJson(const Alert& alert);

}  // namespace auditstream
