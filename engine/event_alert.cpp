#include "engine/event_alert.h"

namespace auditstream {

AlertEvidence evidenceOf(const AuditEvent& event) {
  AlertEvidence evidence;
  evidence.auditIds.emplace_back(event.get(FastField::kAuditId));
  evidence.user = event.get(FastField::kUserUsername);
  evidence.impersonatedUser = event.get(FastField::kImpersonatedUsername);
  if (event.has(FastField::kSourceIp)) evidence.sourceIps.emplace_back(event.get(FastField::kSourceIp));
  evidence.verb = event.get(FastField::kVerb);
  evidence.requestUri = event.get(FastField::kRequestUri);
  evidence.namespaceName = event.get(FastField::kObjectNamespace);
  evidence.resource = event.get(FastField::kObjectResource);
  evidence.subresource = event.get(FastField::kObjectSubresource);
  evidence.name = event.get(FastField::kObjectName);
  evidence.responseCode = event.get(FastField::kResponseCode);
  evidence.decision = event.get(FastField::kDecision);
  evidence.userAgent = event.get(FastField::kUserAgent);
  return evidence;
}

Alert makeEventAlert(std::shared_ptr<const RuleMetadata> rule, const AuditEvent& event, std::string_view cluster,
                     std::optional<AlertProvenance> provenance) {
  Alert alert;
  EventTime windowStart = event.time;
  if (event.has(FastField::kRequestReceivedTimestamp)) {
    windowStart = parseRfc3339(event.get(FastField::kRequestReceivedTimestamp)).value_or(event.time);
  }
  alert.id = makeAlertId(rule->id, cluster, event.get(FastField::kAuditId), windowStart);
  alert.rule = std::move(rule);
  alert.cluster = std::string(cluster);
  alert.firstEventTime = alert.lastEventTime = event.time;
  alert.evidence = evidenceOf(event);
  alert.provenance = std::move(provenance);
  return alert;
}

}  // namespace auditstream
