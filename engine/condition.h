// The Sigma condition grammar: `and`, `or`, `not`, parentheses, `1 of x*`, `all of x*`, `1 of them`,
// `all of them`. Precedence: not > and > or. Aggregations (`| count() ...`, Sigma v1) are rejected:
// correlation rules replace them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace auditstream {

struct ConditionNode {
  enum class Kind : std::uint8_t { kAnd, kOr, kNot, kSelection, kOneOf, kAllOf };
  Kind kind = Kind::kSelection;
  std::vector<ConditionNode> children;
  std::string name;  // kSelection: the identifier; kOneOf/kAllOf: a name pattern with `*`, or "them"
};

// Errors: parseError "column N: reason" (1-based column within `text`).
Result<ConditionNode> parseCondition(std::string_view text);

// Whether `name` matches a `1 of`/`all of` pattern (`*` = any run of characters).
bool selectionNameMatches(std::string_view pattern, std::string_view name);

}  // namespace auditstream
