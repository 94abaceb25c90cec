// AuditEventBuilder: one audit.k8s.io/v1 Event as the API server writes it — auditID, stage, requestURI
// (derived from the object reference unless given), user with groups, sourceIPs, userAgent, objectRef,
// responseStatus, optional request/response bodies, both timestamps and the authorizer's annotations.
// The generator's scenarios and background traffic describe requests with EventSpec; the builder turns
// them into the JSON line a shipper would put on Kafka. Deterministic: audit IDs come from the caller's
// random source.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "traffic/split_mix.h"

namespace auditstream {

struct EventSpec {
  std::string_view verb;
  std::string_view resource;  // empty: a non-resource request (requestURI given)
  std::string_view subresource;
  std::string_view apiGroup;  // empty: the core group
  std::string_view namespaceName;
  std::string_view name;
  std::string_view user;
  std::string_view groups = R"("system:authenticated")";  // JSON array members
  std::string_view sourceIp;
  std::string_view userAgent;
  int code = 200;
  std::string_view requestUri;      // empty: built from the object reference
  std::string_view uriQuery;        // appended after '?' when the URI is built
  std::string_view requestObject;   // JSON, or empty
  std::string_view responseObject;  // JSON, or empty
  std::string_view impersonatedUser;
  std::int64_t latencyMicros = 3000;  // requestReceived → stage timestamps
};

struct BuiltEvent {
  std::string auditId;
  std::string json;
};

// RFC 3339 UTC with microseconds, as the API server writes its timestamps.
std::string formatAuditTime(std::int64_t nanosSinceEpoch);

// `stageNanos` is the stage timestamp (the event time the engine uses).
BuiltEvent buildAuditEvent(const EventSpec& spec, std::int64_t stageNanos, SplitMix& random);

}  // namespace auditstream
