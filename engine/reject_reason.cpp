#include "engine/reject_reason.h"

#include <array>

namespace auditstream {

std::string_view rejectReasonName(RejectReason reason) {
  static constexpr std::array<std::string_view, kRejectReasonCount> kNames = {
      "empty",       "too_large", "invalid_utf8", "not_json",
      "truncated",   "too_deep",  "not_an_event", "unsupported_api_version",
      "bad_envelope"};
  const auto index = static_cast<std::size_t>(reason);
  return index < kNames.size() ? kNames[index] : "unknown";
}

}  // namespace auditstream
