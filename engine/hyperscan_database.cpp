#include "engine/hyperscan_database.h"

namespace auditstream {

Result<HsDatabase> compileHsDatabase(const std::vector<HsPattern>& patterns) {
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (const HsPattern& pattern : patterns) {
    expressions.push_back(pattern.expression.c_str());
    flags.push_back(pattern.flags);
    ids.push_back(pattern.id);
  }
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  const hs_error_t result =
      hs_compile_multi(expressions.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                       HS_MODE_BLOCK, nullptr, &database, &error);
  if (result != HS_SUCCESS) {
    std::string message = error != nullptr ? error->message : "unknown error";
    const int index = error != nullptr ? error->expression : -1;
    hs_free_compile_error(error);
    return invalidArgument(
        "Hyperscan: " + message +
        (index >= 0 ? " (pattern '" + patterns[static_cast<std::size_t>(index)].expression + "')" : std::string()));
  }
  return HsDatabase(database);
}

Status checkHsPattern(const std::string& expression, unsigned flags) {
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile(expression.c_str(), flags, HS_MODE_BLOCK, nullptr, &database, &error) != HS_SUCCESS) {
    std::string message = error != nullptr ? error->message : "unknown error";
    hs_free_compile_error(error);
    return invalidArgument(message);
  }
  hs_free_database(database);
  return Status::ok();
}

Status growHsScratch(const hs_database_t* database, HsScratch& scratch) {
  hs_scratch_t* raw = scratch.release();
  const hs_error_t result = hs_alloc_scratch(database, &raw);
  scratch.reset(raw);
  if (result != HS_SUCCESS) return internalError("hs_alloc_scratch failed: " + std::to_string(result));
  return Status::ok();
}

}  // namespace auditstream
