// Sigma values → Hyperscan expressions: wildcards become `.*` / `.`, everything else is escaped, and
// the anchoring of plain / startswith / endswith / contains becomes `^` and `$`.
#pragma once

#include <string>

#include "engine/rule_spec.h"

namespace auditstream {

std::string sigmaPatternRegex(const SigmaPattern& pattern, Anchoring anchoring);
// Flags for a Sigma string value: case-insensitive unless `cased`; `*` also crosses newlines.
unsigned sigmaPatternFlags(bool caseSensitive);
// Flags for an `re` value with its `i`, `m`, `s` sub-modifiers.
unsigned regexFlags(bool caseless, bool multiline, bool dotAll);

}  // namespace auditstream
