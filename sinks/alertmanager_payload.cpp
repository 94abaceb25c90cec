#include "sinks/alertmanager_payload.h"

#include "common/json_writer.h"

namespace auditstream {
namespace {

void appendPair(std::string& out, std::string_view key, std::string_view value, bool& first) {
  if (value.empty()) return;
  if (!first) out += ',';
  first = false;
  appendJsonString(out, key);
  out += ':';
  appendJsonString(out, value);
}

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
  appendPair(out, "alertname", rule.name.empty() ? rule.title : rule.name, first);
  appendPair(out, "severity", rule.level, first);
  appendPair(out, "cluster", alert.cluster, first);
  appendPair(out, "rule_id", rule.id, first);
  for (const auto& [field, value] : alert.groupBy) appendPair(out, alertmanagerLabelName(field), value, first);
  out += "},\"annotations\":{";
  first = true;
  const AlertEvidence& evidence = alert.evidence;
  appendPair(out, "summary", rule.title + " (" + alert.cluster + ")", first);
  appendPair(out, "description", rule.description, first);
  appendPair(out, "rule_author", rule.author, first);  // DRL 1.1: the author is shown with every match
  appendPair(out, "alert_id", alert.id, first);
  appendPair(out, "count", std::to_string(alert.count), first);
  if (alert.folded > 0) appendPair(out, "folded", std::to_string(alert.folded), first);
  appendPair(out, "first_event_time", formatRfc3339Nanos(alert.firstEventTime), first);
  appendPair(out, "last_event_time", formatRfc3339Nanos(alert.lastEventTime), first);
  appendPair(out, "audit_ids", joined(evidence.auditIds), first);
  appendPair(out, "user", evidence.user, first);
  appendPair(out, "impersonated_user", evidence.impersonatedUser, first);
  appendPair(out, "source_ips", joined(evidence.sourceIps), first);
  appendPair(out, "verb", evidence.verb, first);
  appendPair(out, "request_uri", evidence.requestUri, first);
  appendPair(out, "namespace", evidence.namespaceName, first);
  appendPair(out, "resource", evidence.resource, first);
  appendPair(out, "name", evidence.name, first);
  appendPair(out, "code", evidence.responseCode, first);
  appendPair(out, "decision", evidence.decision, first);
  appendPair(out, "user_agent", evidence.userAgent, first);
  if (!rule.references.empty()) appendPair(out, "references", joined(rule.references), first);
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
