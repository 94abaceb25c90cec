// MatchState: everything one worker thread mutates while matching events against a RuleSet — the
// Hyperscan scratch, which atoms are true for the current event, which fields were already evaluated,
// and the field resolver with its lazily parsed members (STYLE.md #3: stages are const, state is
// explicit). Created by RuleSet::newMatchState(); used by one thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/field_resolver.h"
#include "engine/hyperscan_database.h"

namespace auditstream {

class MatchState {
 public:
  FieldResolver resolver;
  HsScratch scratch;
  std::vector<std::uint64_t> atomTrue;
  std::vector<std::uint32_t> fieldEpoch;  // == epoch: evaluated for the current event
  std::uint32_t epoch = 0;
  std::vector<std::uint64_t> candidates;
  std::vector<FieldValue> values;
  std::vector<FieldValue> refValues;
  std::string lowered;
};

}  // namespace auditstream
