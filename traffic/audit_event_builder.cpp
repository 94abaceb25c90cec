#include "traffic/audit_event_builder.h"

#include <ctime>

namespace auditstream {
namespace {

void appendHex(std::string& out, std::uint64_t bits, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < digits; ++i) out += kHex[(bits >> (4U * static_cast<unsigned>(i))) & 0xfU];
}

std::string uuid(SplitMix& random) {
  const std::uint64_t high = random.next();
  const std::uint64_t low = random.next();
  std::string id;
  id.reserve(36);
  appendHex(id, high, 8);
  id += '-';
  appendHex(id, high >> 32U, 4);
  id += "-4";
  appendHex(id, high >> 48U, 3);
  id += '-';
  appendHex(id, low, 4);
  id += '-';
  appendHex(id, low >> 16U, 12);
  return id;
}

void appendQuoted(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":\"";
  out += value;
  out += '"';
}

}  // namespace

std::string formatAuditTime(std::int64_t nanos) {
  const std::time_t seconds = static_cast<std::time_t>(nanos / 1'000'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[48];
  const std::size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + length, sizeof buffer - length, ".%06lldZ",
                static_cast<long long>((nanos % 1'000'000'000) / 1000));
  return buffer;
}

BuiltEvent buildAuditEvent(const EventSpec& spec, std::int64_t stageNanos, SplitMix& random) {
  BuiltEvent built;
  built.auditId = uuid(random);
  std::string& out = built.json;
  out.reserve(900 + spec.requestObject.size() + spec.responseObject.size());
  const bool bodies = !spec.requestObject.empty() || !spec.responseObject.empty();
  out += R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":")";
  out += !spec.responseObject.empty() ? "RequestResponse" : bodies ? "Request" : "Metadata";
  out += R"(","auditID":")";
  out += built.auditId;
  out += R"(","stage":"ResponseComplete","requestURI":")";
  if (!spec.requestUri.empty()) {
    out += spec.requestUri;
  } else {
    out += spec.apiGroup.empty() ? "/api/v1" : "/apis/";
    if (!spec.apiGroup.empty()) {
      out += spec.apiGroup;
      out += "/v1";
    }
    if (!spec.namespaceName.empty()) {
      out += "/namespaces/";
      out += spec.namespaceName;
    }
    out += '/';
    out += spec.resource;
    if (!spec.name.empty()) {
      out += '/';
      out += spec.name;
    }
    if (!spec.subresource.empty()) {
      out += '/';
      out += spec.subresource;
    }
    if (!spec.uriQuery.empty()) {
      out += '?';
      out += spec.uriQuery;
    }
  }
  out += "\",";
  appendQuoted(out, "verb", spec.verb);
  out += R"(,"user":{)";
  appendQuoted(out, "username", spec.user);
  out += R"(,"uid":")";
  appendHex(out, random.next(), 8);
  out += R"(","groups":[)";
  out += spec.groups;
  out += "]}";
  if (!spec.impersonatedUser.empty()) {
    out += R"(,"impersonatedUser":{)";
    appendQuoted(out, "username", spec.impersonatedUser);
    out += '}';
  }
  out += R"(,"sourceIPs":[")";
  out += spec.sourceIp;
  out += "\"],";
  appendQuoted(out, "userAgent", spec.userAgent);
  if (!spec.resource.empty()) {
    out += R"(,"objectRef":{)";
    appendQuoted(out, "resource", spec.resource);
    if (!spec.namespaceName.empty()) {
      out += ',';
      appendQuoted(out, "namespace", spec.namespaceName);
    }
    if (!spec.name.empty()) {
      out += ',';
      appendQuoted(out, "name", spec.name);
    }
    if (!spec.apiGroup.empty()) {
      out += ',';
      appendQuoted(out, "apiGroup", spec.apiGroup);
    }
    out += R"(,"apiVersion":"v1")";
    if (!spec.subresource.empty()) {
      out += ',';
      appendQuoted(out, "subresource", spec.subresource);
    }
    out += '}';
  }
  out += R"(,"responseStatus":{"metadata":{},)";
  if (spec.code >= 400) {
    out +=
        spec.code == 403 ? R"("status":"Failure","message":"forbidden: User \")" : R"("status":"Failure","message":")";
    if (spec.code == 403) {
      out += spec.user;
      out += R"(\" cannot )";
      out += spec.verb;
      out += " resource \\\"";
      out += spec.resource;
      out += R"(\"","reason":"Forbidden",)";
    } else {
      out += R"(request failed","reason":"NotFound",)";
    }
  }
  out += R"("code":)";
  out += std::to_string(spec.code);
  out += '}';
  if (!spec.requestObject.empty()) {
    out += R"(,"requestObject":)";
    out += spec.requestObject;
  }
  if (!spec.responseObject.empty()) {
    out += R"(,"responseObject":)";
    out += spec.responseObject;
  }
  out += R"(,"requestReceivedTimestamp":")";
  out += formatAuditTime(stageNanos - spec.latencyMicros * 1000);
  out += R"(","stageTimestamp":")";
  out += formatAuditTime(stageNanos);
  out += R"(","annotations":{"authorization.k8s.io/decision":")";
  out += spec.code == 403 ? "forbid" : "allow";
  out += '"';
  if (spec.code != 403 && !spec.user.starts_with("system:node:")) {  // the Node authorizer gives no reason
    out += R"(,"authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \")";
    out += spec.user.starts_with("system:") ? "system:controller" : "team-access";
    out += R"(\" of ClusterRole \"edit\" to User \")";
    out += spec.user;
    out += R"(\"")";
  }
  out += "}}";
  return built;
}

}  // namespace auditstream
