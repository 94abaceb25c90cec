#include "config/audit_policy.h"

#include <algorithm>

#include "config/map_reader.h"
#include "config/yaml_file.h"

namespace auditstream {
namespace {

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

SourceLocation locationOf(const YamlFile& file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return {file.name(), mark.line + 1, mark.column + 1};
}

Result<AuditLevel> parseLevel(const YamlFile& file, const YAML::Node& node) {
  const std::string text = node && node.IsScalar() ? node.Scalar() : "";
  if (text == "None") return AuditLevel::kNone;
  if (text == "Metadata") return AuditLevel::kMetadata;
  if (text == "Request") return AuditLevel::kRequest;
  if (text == "RequestResponse") return AuditLevel::kRequestResponse;
  return file.errorAt(node, "level (" + text + ") must be None, Metadata, Request or RequestResponse");
}

Status parseRule(const YamlFile& file, const YAML::Node& node, AuditPolicyRule& rule) {
  MapReader map(file, node, "rules[]");
  RETURN_IF_ERROR(map.expectMap());
  RETURN_IF_ERROR(map.onlyKnown({"level", "users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs",
                                 "omitStages", "omitManagedFields"}));
  if (!node["level"]) return file.errorAt(node, "a policy rule needs a level");
  ASSIGN_OR_RETURN(rule.level, parseLevel(file, node["level"]));
  RETURN_IF_ERROR(map.strings("users", rule.users));
  RETURN_IF_ERROR(map.strings("userGroups", rule.userGroups));
  RETURN_IF_ERROR(map.strings("verbs", rule.verbs));
  RETURN_IF_ERROR(map.strings("namespaces", rule.namespaces));
  RETURN_IF_ERROR(map.strings("nonResourceURLs", rule.nonResourceUrls));
  RETURN_IF_ERROR(map.strings("omitStages", rule.omitStages));
  if (const YAML::Node resources = node["resources"]) {
    if (!resources.IsSequence()) return file.errorAt(resources, "rules[].resources must be a list");
    for (const YAML::Node& item : resources) {
      MapReader group(file, item, "rules[].resources[]");
      RETURN_IF_ERROR(group.expectMap());
      RETURN_IF_ERROR(group.onlyKnown({"group", "resources", "resourceNames"}));
      AuditPolicyResources parsed;
      RETURN_IF_ERROR(group.string("group", parsed.group));
      RETURN_IF_ERROR(group.strings("resources", parsed.resources));
      RETURN_IF_ERROR(group.strings("resourceNames", parsed.resourceNames));
      rule.resources.push_back(std::move(parsed));
    }
  }
  if (!rule.nonResourceUrls.empty() && (!rule.resources.empty() || !rule.namespaces.empty())) {
    return file.errorAt(node, "a policy rule cannot have nonResourceURLs together with resources or namespaces");
  }
  rule.where = locationOf(file, node);
  return Status::ok();
}

Result<AuditPolicy> parse(const YamlFile& file) {
  if (file.documents().size() != 1) return parseError(file.name() + ": a policy must be one YAML document");
  const YAML::Node root = file.documents().front();
  MapReader map(file, root, "");
  RETURN_IF_ERROR(map.expectMap());
  RETURN_IF_ERROR(map.onlyKnown({"apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields"}));
  std::string kind;
  RETURN_IF_ERROR(map.string("kind", kind));
  if (kind != "Policy") return file.errorAt(root["kind"] ? root["kind"] : root, "kind (" + kind + ") must be Policy");
  AuditPolicy policy;
  policy.file = file.name();
  RETURN_IF_ERROR(map.strings("omitStages", policy.omitStages));
  const YAML::Node rules = root["rules"];
  if (!rules || !rules.IsSequence() || rules.size() == 0) {
    return file.errorAt(rules ? rules : root, "a policy needs rules (a list): without any the apiserver logs nothing");
  }
  for (const YAML::Node& node : rules) {
    AuditPolicyRule rule;
    RETURN_IF_ERROR(parseRule(file, node, rule));
    policy.rules.push_back(std::move(rule));
  }
  return policy;
}

bool matchesResource(const AuditPolicyRule& rule, const AuditedRequest& request) {
  if (!rule.namespaces.empty() && !contains(rule.namespaces, request.namespaceName)) return false;
  if (rule.resources.empty()) return true;
  const std::string combined =
      request.subresource.empty() ? request.resource : request.resource + "/" + request.subresource;
  for (const AuditPolicyResources& group : rule.resources) {
    if (group.group != request.apiGroup) continue;
    if (!group.resourceNames.empty() && !contains(group.resourceNames, request.name)) continue;
    if (group.resources.empty()) return true;
    for (const std::string& resource : group.resources) {
      if (resource == "*" || resource == combined) return true;
      if (resource == "*/" + request.subresource && !request.subresource.empty()) return true;
      if (resource == request.resource + "/*" && !request.subresource.empty()) return true;
      if (resource == "*/*") return true;
    }
  }
  return false;
}

bool matchesPath(const std::vector<std::string>& urls, std::string_view path) {
  for (const std::string& url : urls) {
    if (url == "*" || url == path) return true;
    if (url.ends_with("*") && path.starts_with(std::string_view(url).substr(0, url.size() - 1))) return true;
  }
  return false;
}

bool matches(const AuditPolicyRule& rule, const AuditedRequest& request) {
  if (!rule.users.empty() && !contains(rule.users, request.user)) return false;
  if (!rule.userGroups.empty() &&
      std::none_of(request.groups.begin(), request.groups.end(),
                   [&](const std::string& group) { return contains(rule.userGroups, group); })) {
    return false;
  }
  if (!rule.verbs.empty() && !contains(rule.verbs, request.verb)) return false;
  if (request.resourceRequest) {
    if (!rule.nonResourceUrls.empty()) return false;
    return matchesResource(rule, request);
  }
  if (!rule.resources.empty() || !rule.namespaces.empty()) return false;
  return rule.nonResourceUrls.empty() || matchesPath(rule.nonResourceUrls, request.path);
}

}  // namespace

std::string_view auditLevelName(AuditLevel level) {
  switch (level) {
    case AuditLevel::kNone: return "None";
    case AuditLevel::kMetadata: return "Metadata";
    case AuditLevel::kRequest: return "Request";
    case AuditLevel::kRequestResponse: return "RequestResponse";
  }
  return "None";
}

AuditPolicy::Decision AuditPolicy::levelFor(const AuditedRequest& request) const {
  for (const AuditPolicyRule& rule : rules) {
    if (!matches(rule, request)) continue;
    const bool omitted = contains(omitStages, "ResponseComplete") || contains(rule.omitStages, "ResponseComplete");
    return {rule.level, &rule, omitted};
  }
  return {AuditLevel::kNone, nullptr, false};
}

Result<AuditPolicy> loadAuditPolicy(const std::string& path) {
  ASSIGN_OR_RETURN(YamlFile file, YamlFile::load(path));
  return parse(file);
}

Result<AuditPolicy> parseAuditPolicy(std::string_view text, const std::string& name) {
  ASSIGN_OR_RETURN(YamlFile file, YamlFile::parse(text, name));
  return parse(file);
}

}  // namespace auditstream
