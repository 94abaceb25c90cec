// Fuzzes SignalCodec::decode: what a correlation task reads from the signals topic. Any bytes must end
// as a record or an error — never a crash, an exception or a signal that does not fit its correlation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/rule_pack.h"
#include "engine/signal_record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace auditstream;
  static const SignalCodec codec(loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR}).correlations);
  const auto decoded = codec.decode(std::string_view(reinterpret_cast<const char*>(data), size));
  if (decoded.isOk()) {
    if (const auto* record = std::get_if<SignalRecord>(&*decoded)) {
      const CorrelationSpec& spec = codec.correlations().at(record->signal.correlation).spec;
      if (record->signal.groupBy.size() != spec.groupBy.size() || record->signal.ruleOrdinal >= spec.rules.size())
        __builtin_trap();
      std::string again;  // what decodes re-encodes
      codec.encodeSignal(record->signal, record->source, record->offset, record->index, again);
      if (!codec.decode(again).isOk()) __builtin_trap();
    }
  }
  return 0;
}
