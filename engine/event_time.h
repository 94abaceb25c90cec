// Event time: nanoseconds since the Unix epoch, UTC, parsed from the RFC 3339 timestamps audit events
// carry (`stageTimestamp`, `requestReceivedTimestamp`: "2026-01-02T03:04:05.123456Z"). Windows and
// watermarks run on these values (ARCHITECTURE.md, Time and windows).
//
// The parser is on the per-event path: no allocation, no locale, no exceptions; a malformed timestamp
// is an empty optional, which callers count and fall back from. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auditstream {

struct EventTime {
  std::int64_t nanosSinceEpoch = 0;

  friend auto operator<=>(const EventTime&, const EventTime&) = default;
};

// Accepts `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with 't'/'z' and a space for 'T' also accepted
// (RFC 3339 §5.6 allows them). Fractions longer than 9 digits are truncated to nanoseconds. Leap
// second 60 is accepted and folded into the next second. Years 1678–2261 (the int64 nanosecond range).
std::optional<EventTime> parseRfc3339(std::string_view text);

// "2026-01-02T03:04:05.123456789Z" — always 9 fraction digits, so text order equals time order.
std::string formatRfc3339Nanos(EventTime time);

}  // namespace auditstream
