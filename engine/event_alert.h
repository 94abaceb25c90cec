// Builds the Alert of a stateless rule hit: group key = the event's auditID, window start = its
// requestReceivedTimestamp (else its event time), so the stages of one request (RequestReceived,
// ResponseComplete, ...) give the same alert id and sinks can de-duplicate them.
#pragma once

#include <optional>
#include <string_view>

#include "engine/alert.h"
#include "engine/audit_event.h"

namespace auditstream {

// The evidence fields of `event` (all fast fields: no member is parsed for them).
AlertEvidence evidenceOf(const AuditEvent& event);

Alert makeEventAlert(std::shared_ptr<const RuleMetadata> rule, const AuditEvent& event, std::string_view cluster,
                     std::optional<AlertProvenance> provenance);

}  // namespace auditstream
