// FieldResolver: the values at a FieldPath in the current event. Fast fields come straight from the
// AuditEvent; any other path parses the top-level member it starts in (requestObject, annotations,
// user, ...) with simdjson's DOM parser on first use in this event and walks it, so events whose rules
// never look at requestObject never parse it.
//
// Owned by one worker thread (inside MatchState); reset for each event.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "engine/audit_event.h"
#include "engine/field_path.h"
#include "engine/field_value.h"

namespace auditstream {

class FieldResolver {
 public:
  FieldResolver();
  ~FieldResolver();
  FieldResolver(const FieldResolver&) = delete;
  FieldResolver& operator=(const FieldResolver&) = delete;

  void reset(const AuditEvent& event);
  // Replaces `out` with the values at `path` (empty when the path is absent).
  void resolve(const FieldPath& path, std::vector<FieldValue>& out);
  // The first string value at `path`, or empty.
  std::string_view firstString(const FieldPath& path);

 private:
  struct Parsed;
  // simdjson's dom::element is passed as void* to keep simdjson.h out of this header.
  void walk(const void* element, const FieldPath& path, std::size_t from, std::vector<FieldValue>& out);
  void appendLeaf(const void* element, std::vector<FieldValue>& out);
  const AuditEvent* event_ = nullptr;
  std::vector<std::unique_ptr<Parsed>> parsed_;  // one slot per member index, reused across events
  std::deque<std::string> numberText_;           // text of numbers read from the DOM, for this event
  std::vector<FieldValue> scratch_;
};

}  // namespace auditstream
