// RAII owners for Hyperscan's C handles (STYLE.md #10) and the two calls the engine makes at load time:
// compile many patterns into one block-mode database, and check one pattern (for a precise error).
#pragma once

#include <hs/hs.h>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace auditstream {

struct HsDatabaseDeleter {
  void operator()(hs_database_t* database) const { hs_free_database(database); }
};
struct HsScratchDeleter {
  void operator()(hs_scratch_t* scratch) const { hs_free_scratch(scratch); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseDeleter>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchDeleter>;

struct HsPattern {
  std::string expression;
  unsigned flags = 0;
  unsigned id = 0;
};

// Errors: invalidArgument with Hyperscan's message and the index of the failing pattern.
Result<HsDatabase> compileHsDatabase(const std::vector<HsPattern>& patterns);

// Ok when `expression` compiles with `flags`; otherwise invalidArgument with Hyperscan's reason.
Status checkHsPattern(const std::string& expression, unsigned flags);

// Grows `scratch` (allocating it on first use) so it can scan `database`.
Status growHsScratch(const hs_database_t* database, HsScratch& scratch);

}  // namespace auditstream
