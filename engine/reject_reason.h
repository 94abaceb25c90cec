// Why a Kafka message (or one item inside it) did not yield an audit event. The names are stable: they
// are metric label values and dead-letter header values (STYLE.md #5, #8).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace auditstream {

enum class RejectReason : std::uint8_t {
  kEmpty,                  // no bytes, or only whitespace
  kTooLarge,               // over the configured maximum message size
  kInvalidUtf8,            // bytes that are not UTF-8
  kNotJson,                // not JSON at all, or trailing garbage
  kTruncated,              // JSON that ends in the middle of a value
  kTooDeep,                // nesting deeper than simdjson's limit where the parser descends
  kNotAnEvent,             // valid JSON that is not an audit Event (wrong kind, wrong field types)
  kUnsupportedApiVersion,  // an apiVersion other than audit.k8s.io/v1 or v1beta1
  kBadEnvelope,            // a configured envelope path holds something other than an event string
  kCount,
};
inline constexpr std::size_t kRejectReasonCount = static_cast<std::size_t>(RejectReason::kCount);

// snake_case name: "invalid_utf8".
std::string_view rejectReasonName(RejectReason reason);

struct Rejection {
  RejectReason reason = RejectReason::kNotJson;
  std::string message;  // human-readable detail: "offset 1042: unclosed string"
};

}  // namespace auditstream
