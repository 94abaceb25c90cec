// Small scanners over raw JSON text that simdjson does not offer in 3.0.1: where a value ends, and the
// length of a raw (escaped) key. Used lazily, only for members a rule actually reads.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace auditstream {

// The JSON value starting at `start` (no leading whitespace) as a view, ending before `limit`.
// Strings and nesting are respected; an unterminated value runs to `limit`.
std::string_view jsonValueAt(const char* start, const char* limit);

// A raw key starting just after its opening quote: the text up to the closing unescaped quote.
std::string_view rawJsonKey(const char* afterQuote, const char* limit);

}  // namespace auditstream
