// Fuzzes the rule loader and compiler: YAML text → Sigma documents → RuleSet (Hyperscan included).
// Every input must end as loaded rules or problems with positions — never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/sigma_rule_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace auditstream;
  if (size > 64 * 1024) return 0;  // YAML parsing is superlinear in places; rules are small
  RuleLoad load = loadSigmaRulesFromText(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yml");
  RuleSet::Build build = RuleSet::create(std::move(load.rules), load.options);
  (void)build;
  return 0;
}
