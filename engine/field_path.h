// FieldPath: a rule's field name as a path into the audit event: `objectRef.resource`,
// `requestObject.spec.containers.securityContext.privileged`, `annotations.authorization.k8s.io/decision`.
// Arrays on the way are crossed implicitly (any element may match); a trailing `[]` on a segment is
// accepted and means the same. Literal keys containing dots are tried before nesting, when resolved.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/audit_event.h"

namespace auditstream {

struct FieldPath {
  std::string text;                   // as written (after field mapping)
  std::vector<std::string> segments;  // split on '.', `[]` removed
  std::optional<FastField> fast;      // set when the parser extracts this path in its one pass
  std::string joined;                 // the segments joined with '.'
  std::vector<std::size_t> starts;    // where each segment starts in `joined`

  // Segments [from, to) joined with '.', as a view into `joined` (literal dotted keys are tried first).
  std::string_view key(std::size_t from, std::size_t to) const {
    const std::size_t end = to < starts.size() ? starts[to] - 1 : joined.size();
    return std::string_view(joined).substr(starts[from], end - starts[from]);
  }

  friend bool operator==(const FieldPath& a, const FieldPath& b) { return a.text == b.text; }
};

// Empty segments ("a..b", ".a") are errors, reported by the caller with a position.
std::optional<FieldPath> parseFieldPath(std::string_view text);

}  // namespace auditstream
