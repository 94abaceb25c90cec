// FieldValue: one value found at a field path in an event — a string (unescaped), a number or boolean
// (as JSON text: "403", "true"), null, or a container (for `exists`). Valid while the event is.
#pragma once

#include <cstdint>
#include <string_view>

namespace auditstream {

enum class JsonKind : std::uint8_t { kString, kNumber, kBool, kNull, kObject, kArray };

struct FieldValue {
  JsonKind kind = JsonKind::kString;
  std::string_view text;  // empty for null, objects and arrays

  bool isScalarText() const {
    return kind == JsonKind::kString || kind == JsonKind::kNumber || kind == JsonKind::kBool;
  }
};

}  // namespace auditstream
