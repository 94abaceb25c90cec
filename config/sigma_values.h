// One `field|modifier|...: value(s)` entry of a Sigma selection → FieldMatchSpec: the modifiers are
// checked and applied (wildcards parsed, base64 / base64offset / windash expanded into alternatives),
// so the engine only sees plain match operations. Part of the Sigma rule loader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "engine/rule_spec.h"

namespace auditstream {

// A YAML scalar as Sigma reads it: its text, or null (`null`, `~`, empty).
struct SigmaScalar {
  std::string text;
  bool isNull = false;
  SourceLocation where;
};

// `key` is "field|mod1|mod2" ("" or "|mod" for keywords). Errors are "file:line:col: reason".
Result<FieldMatchSpec> parseFieldMatch(std::string_view key, const std::vector<SigmaScalar>& values,
                                       const SourceLocation& where);

}  // namespace auditstream
