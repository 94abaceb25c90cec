// AuditEvent: one Kubernetes audit `Event` as the parser sees it — string_views into the message
// buffer (or into the parser's string buffer for unescaped strings), valid only while the callback
// that receives it runs. The fields rules read most are extracted in the parser's one pass
// (`FastField`); every other path is resolved on demand from `members` by FieldResolver.
//
// Owned by the parsing thread's EnvelopeDecoder; never shared across threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/event_time.h"

namespace auditstream {

// The audit fields read in the parser's single pass. The order is the array index in AuditEvent.
enum class FastField : std::uint8_t {
  kApiVersion,
  kLevel,
  kAuditId,
  kStage,
  kRequestUri,
  kVerb,
  kUserUsername,
  kUserUid,
  kImpersonatedUsername,
  kUserAgent,
  kObjectResource,
  kObjectNamespace,
  kObjectName,
  kObjectApiGroup,
  kObjectApiVersion,
  kObjectSubresource,
  kResponseCode,  // the number's JSON text, e.g. "403"
  kResponseStatus,
  kResponseReason,
  kResponseMessage,
  kRequestReceivedTimestamp,
  kStageTimestamp,
  kLegacyTimestamp,  // `timestamp` of audit.k8s.io/v1alpha1 and early v1beta1 events
  kDecision,         // annotations["authorization.k8s.io/decision"]: allow | forbid
  kSourceIp,         // sourceIPs[0]: the client (later entries are proxies on the way)
  kCount,
};
inline constexpr std::size_t kFastFieldCount = static_cast<std::size_t>(FastField::kCount);

// The JSON path of a fast field ("objectRef.resource").
std::string_view fastFieldPath(FastField field);
// The fast field whose path is `path`, if any.
std::optional<FastField> fastFieldForPath(std::string_view path);

// A top-level member of the event object: its key (as written, escapes not decoded) and where its
// value starts in the message. The value's end is found lazily (most members are never looked at).
struct EventMember {
  std::string_view key;
  const char* valueStart = nullptr;
};

struct AuditEvent {
  std::array<std::string_view, kFastFieldCount> fields{};
  std::uint32_t presentMask = 0;  // bit i set: fields[i] was present in the event
  std::vector<EventMember> members;
  const char* rawStart = nullptr;  // the event object's first byte ('{')
  const char* rawLimit = nullptr;  // where the enclosing message ends (the object ends at or before it)
  mutable std::string_view rawCache;
  EventTime time;  // stageTimestamp, else requestReceivedTimestamp, else timestamp, else the message's
  bool timeFromMessage = false;

  std::string_view get(FastField field) const { return fields[static_cast<std::size_t>(field)]; }
  bool has(FastField field) const { return (presentMask >> static_cast<unsigned>(field)) & 1U; }
  void set(FastField field, std::string_view value) {
    fields[static_cast<std::size_t>(field)] = value;
    presentMask |= 1U << static_cast<unsigned>(field);
  }
  // The whole event object as JSON text, for keyword searches; found lazily.
  std::string_view raw() const;
  const EventMember* member(std::string_view key) const {
    for (const EventMember& candidate : members) {
      if (candidate.key == key) return &candidate;
    }
    return nullptr;
  }
  void clear() {
    fields = {};
    presentMask = 0;
    members.clear();
    rawStart = rawLimit = nullptr;
    rawCache = {};
    time = {};
    timeFromMessage = false;
  }
};

}  // namespace auditstream
