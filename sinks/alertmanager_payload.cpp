#include "sinks/alertmanager_payload.h"

#include "common/json_writer.h"

namespace auditstream {
namespace {

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) {
    if (!out.empty()) out += ", ";
    out += value;
  }
  return out;
}

void appendAlert(std::string& out, const Alert& alert, std::chrono::system_clock::time_point endsAt) {
  const RuleMetadata& rule = *alert.rule;
  out += "{\"labels\":{";
  bool first = true;
  appendJsonMember(out, "alertname", rule.name.empty() ? rule.title : rule.name, first);
  appendJsonMember(out, "severity", rule.level, first);
  appendJsonMember(out, "cluster", alert.cluster, first);
  appendJsonMember(out, "rule_id", rule.id, first);
  for (const auto& [field, value] : alert.groupBy) appendJsonMember(out, alertmanagerLabelName(field), value, first);
  out += "},\"annotations\":{";
  first = true;
  const AlertEvidence& evidence = alert.evidence;
  appendJsonMember(out, "summary", rule.title + " (" + alert.cluster + ")", first);
  appendJsonMember(out, "description", rule.description, first);
  appendJsonMember(out, "rule_author", rule.author, first);  // DRL 1.1: the author is shown with every match
  appendJsonMember(out, "alert_id", alert.id, first);
  appendJsonMember(out, "count", std::to_string(alert.count), first);
  if (alert.folded > 0) appendJsonMember(out, "folded", std::to_string(alert.folded), first);
  appendJsonMember(out, "first_event_time", formatRfc3339Nanos(alert.firstEventTime), first);
  appendJsonMember(out, "last_event_time", formatRfc3339Nanos(alert.lastEventTime), first);
  appendJsonMember(out, "audit_ids", joined(evidence.auditIds), first);
  appendJsonMember(out, "user", evidence.user, first);
  appendJsonMember(out, "impersonated_user", evidence.impersonatedUser, first);
  appendJsonMember(out, "source_ips", joined(evidence.sourceIps), first);
  appendJsonMember(out, "verb", evidence.verb, first);
  appendJsonMember(out, "request_uri", evidence.requestUri, first);
  appendJsonMember(out, "namespace", evidence.namespaceName, first);
  appendJsonMember(out, "resource", evidence.resource, first);
  appendJsonMember(out, "name", evidence.name, first);
  appendJsonMember(out, "code", evidence.responseCode, first);
  appendJsonMember(out, "decision", evidence.decision, first);
  appendJsonMember(out, "user_agent", evidence.userAgent, first);
  if (!rule.references.empty()) appendJsonMember(out, "references", joined(rule.references), first);
  out += "},\"startsAt\":\"" + formatRfc3339Nanos(alert.firstEventTime) + "\",\"endsAt\":\"";
  appendRfc3339Millis(out, endsAt);
  out += "\"}";
}

}  // namespace

std::string alertmanagerLabelName(std::string_view field) {
  std::string name;
  for (const char c : field) {
    const bool valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    name += valid ? c : '_';
  }
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) name.insert(name.begin(), '_');
  return name;
}

std::string alertmanagerBatch(const std::vector<std::shared_ptr<const Alert>>& alerts,
                              std::chrono::system_clock::time_point endsAt) {
  std::string out = "[";
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    if (i > 0) out += ',';
    appendAlert(out, *alerts[i], endsAt);
  }
  out += ']';
  return out;
}

}  // namespace auditstream
