// Appending JSON text to a std::string without a DOM: string escaping (RFC 8259, with invalid UTF-8
// replaced by U+FFFD so the output is always valid JSON) and RFC 3339 timestamps. Used by logging now,
// and by alert serialisation later. Thread-safety: free functions, no state.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace auditstream {

// Appends `text` as a quoted JSON string.
void appendJsonString(std::string& out, std::string_view text);

// Appends `"key":"value"` as an object member, preceded by a comma unless `first` (which it clears).
// An empty value is left out: absent and empty read the same in our alert formats.
void appendJsonMember(std::string& out, std::string_view key, std::string_view value, bool& first);

// Appends `time` as RFC 3339 UTC with millisecond precision: 2026-01-01T00:00:00.000Z (no quotes).
void appendRfc3339Millis(std::string& out, std::chrono::system_clock::time_point time);

}  // namespace auditstream
