// Fuzzes the per-message path: envelope decoding, parsing and matching against the bundled rules
// (which resolves requestObject, annotations and other lazily parsed members). Any crash, sanitizer
// report or leak is a bug; every input must end as events or rejections.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/rule_pack.h"
#include "engine/event_processor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace auditstream;
  static const RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  static std::unique_ptr<EventProcessor> processor = EventProcessor::create(pack.rules, EnvelopeOptions{}).value();
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  const ProcessResult result = processor->process(message, MessageContext{"fuzz", std::nullopt, std::nullopt});
  for (const Alert& alert : result.alerts) {
    if (alertToJson(alert).empty()) std::abort();
  }
  return 0;
}
