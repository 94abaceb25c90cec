#include "engine/audit_event.h"

#include "engine/json_scan.h"

namespace auditstream {
namespace {

constexpr std::array<std::string_view, kFastFieldCount> kPaths = {
    "apiVersion",
    "level",
    "auditID",
    "stage",
    "requestURI",
    "verb",
    "user.username",
    "user.uid",
    "impersonatedUser.username",
    "userAgent",
    "objectRef.resource",
    "objectRef.namespace",
    "objectRef.name",
    "objectRef.apiGroup",
    "objectRef.apiVersion",
    "objectRef.subresource",
    "responseStatus.code",
    "responseStatus.status",
    "responseStatus.reason",
    "responseStatus.message",
    "requestReceivedTimestamp",
    "stageTimestamp",
    "timestamp",
    "annotations.authorization.k8s.io/decision",
    "sourceIPs",
};

}  // namespace

std::string_view AuditEvent::raw() const {
  if (rawCache.empty() && rawStart != nullptr) rawCache = jsonValueAt(rawStart, rawLimit);
  return rawCache;
}

std::string_view fastFieldPath(FastField field) { return kPaths[static_cast<std::size_t>(field)]; }

std::optional<FastField> fastFieldForPath(std::string_view path) {
  for (std::size_t i = 0; i < kPaths.size(); ++i) {
    if (kPaths[i] == path) return static_cast<FastField>(i);
  }
  return std::nullopt;
}

}  // namespace auditstream
