#include "engine/alert.h"

#include <array>

#include "common/json_writer.h"

namespace auditstream {
namespace {

// FNV-1a over the parts (each followed by a 0 separator), from two offset bases, then mixed: 128 bits
// that depend on every byte. Not cryptographic; ids only need to be stable and collision-free in practice.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void hashPart(std::uint64_t& hash, std::string_view part) {
  for (const char c : part) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  hash ^= 0xff;  // separator, so ("ab","c") and ("a","bc") differ
  hash *= 0x100000001b3ULL;
}

void appendList(std::string& out, std::string_view key, const std::vector<std::string>& values, bool& first) {
  if (!first) out += ',';
  first = false;
  appendJsonString(out, key);
  out += ":[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    appendJsonString(out, values[i]);
  }
  out += ']';
}

}  // namespace

std::string makeAlertId(std::string_view ruleId, std::string_view cluster, std::string_view groupKey,
                        EventTime windowStart) {
  std::array<std::uint64_t, 2> hashes = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL};
  const std::string start = std::to_string(windowStart.nanosSinceEpoch);
  for (std::uint64_t& hash : hashes) {
    for (std::string_view part : {ruleId, cluster, groupKey, std::string_view(start)}) hashPart(hash, part);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (const std::uint64_t hash : {mix(hashes[0]), mix(hashes[1] ^ hashes[0])}) {
    for (int shift = 60; shift >= 0; shift -= 4) id += kHex[(hash >> shift) & 0xf];
  }
  return id;
}

std::string alertToJson(const Alert& alert) {
  std::string out = "{\"id\":";
  appendJsonString(out, alert.id);
  const RuleMetadata& rule = *alert.rule;
  out += ",\"rule\":{";
  bool first = true;
  appendJsonMember(out, "id", rule.id, first);
  appendJsonMember(out, "title", rule.title, first);
  appendJsonMember(out, "level", rule.level, first);
  appendJsonMember(out, "author", rule.author, first);
  appendList(out, "tags", rule.tags, first);
  out += "},\"cluster\":";
  appendJsonString(out, alert.cluster);
  out += ",\"severity\":";
  appendJsonString(out, rule.level);
  out += ",\"group_by\":{";
  first = true;
  for (const auto& [key, value] : alert.groupBy) {
    if (!first) out += ',';
    first = false;
    appendJsonString(out, key);
    out += ':';
    appendJsonString(out, value);
  }
  out += "},\"count\":" + std::to_string(alert.count);
  if (alert.folded > 0) out += ",\"folded\":" + std::to_string(alert.folded);
  out += ",\"first_event_time\":\"" + formatRfc3339Nanos(alert.firstEventTime) + "\"";
  out += ",\"last_event_time\":\"" + formatRfc3339Nanos(alert.lastEventTime) + "\"";
  const AlertEvidence& evidence = alert.evidence;
  out += ",\"evidence\":{";
  first = true;
  appendList(out, "audit_ids", evidence.auditIds, first);
  appendJsonMember(out, "user", evidence.user, first);
  appendJsonMember(out, "impersonated_user", evidence.impersonatedUser, first);
  appendList(out, "source_ips", evidence.sourceIps, first);
  appendJsonMember(out, "verb", evidence.verb, first);
  appendJsonMember(out, "request_uri", evidence.requestUri, first);
  appendJsonMember(out, "namespace", evidence.namespaceName, first);
  appendJsonMember(out, "resource", evidence.resource, first);
  appendJsonMember(out, "subresource", evidence.subresource, first);
  appendJsonMember(out, "name", evidence.name, first);
  appendJsonMember(out, "code", evidence.responseCode, first);
  appendJsonMember(out, "decision", evidence.decision, first);
  appendJsonMember(out, "user_agent", evidence.userAgent, first);
  out += '}';
  if (alert.provenance) {
    out += ",\"provenance\":{\"topic\":";
    appendJsonString(out, alert.provenance->topic);
    out += ",\"partition\":" + std::to_string(alert.provenance->partition);
    out += ",\"offset\":" + std::to_string(alert.provenance->offset) + "}";
  }
  out += '}';
  return out;
}

}  // namespace auditstream
