// EventFieldsReader: fills an AuditEvent from the members of an audit Event object as simdjson
// On-Demand reads them — the fast fields in this one pass, every member's position for later — and
// then checks that what was read is an Event we accept (kind, apiVersion, auditID, a timestamp).
//
// Used by EnvelopeDecoder only; lives for one event object on the decoder's thread.
#pragma once

#include <optional>
#include <simdjson.h>

#include "engine/audit_event.h"
#include "engine/json_scan.h"
#include "engine/reject_reason.h"

namespace auditstream {

class EventFieldsReader {
 public:
  explicit EventFieldsReader(AuditEvent& event) : event_(event) {}

  // Reads one top-level member. A problem when a field the parser knows has the wrong JSON type.
  std::optional<Rejection> read(simdjson::ondemand::raw_json_string key, simdjson::ondemand::value& value);

  // After the last member: is this an Event we accept? Sets the event time (`messageTime` last).
  std::optional<Rejection> finish(std::optional<EventTime> messageTime);

  // `kind` was EventList (its events are under `items`, read by the decoder).
  bool isList() const { return sawList_; }

 private:
  std::optional<Rejection> readString(FastField field, simdjson::ondemand::value& value);
  std::optional<Rejection> readFirstSourceIp(simdjson::ondemand::value& value);
  std::optional<Rejection> readNested(simdjson::ondemand::value& value, std::string_view name);

  AuditEvent& event_;
  bool sawKind_ = false;
  bool sawList_ = false;
};

}  // namespace auditstream
