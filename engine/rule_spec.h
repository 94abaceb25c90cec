// RuleSpec: a Sigma detection rule (or filter) as config/ read it from YAML — modifiers already applied
// to the values, positions kept for errors — before RuleSet compiles it. Plain data, no behaviour.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/source_location.h"

namespace auditstream {

// A Sigma string value: literal text and the wildcards `*` (any run) and `?` (one character).
struct PatternPiece {
  enum class Kind : std::uint8_t { kLiteral, kAnyString, kAnyChar };
  Kind kind = Kind::kLiteral;
  std::string literal;
};
using SigmaPattern = std::vector<PatternPiece>;

enum class ValueOp : std::uint8_t {
  kMatch,     // `pattern` with `anchoring` (plain value, contains, startswith, endswith; base64, windash applied)
  kRegex,     // `re` (+ i, m, s)
  kCidr,      // `cidr`
  kExists,    // `exists: true|false`
  kNull,      // the YAML value null: field absent or null
  kCompare,   // `gt`, `gte`, `lt`, `lte`
  kFieldRef,  // `fieldref` (+ contains/startswith/endswith): equal to another field's value
};
enum class Anchoring : std::uint8_t { kWhole, kContains, kStartsWith, kEndsWith };
enum class CompareOp : std::uint8_t { kGreater, kGreaterOrEqual, kLess, kLessOrEqual };

struct ValueSpec {
  ValueOp op = ValueOp::kMatch;
  SigmaPattern pattern;
  Anchoring anchoring = Anchoring::kWhole;
  bool caseSensitive = false;  // `cased`; regexes are case-sensitive unless `i`
  std::string text;            // regex source, CIDR, or the referenced field of `fieldref`
  bool regexCaseless = false;
  bool regexMultiline = false;
  bool regexDotAll = false;
  bool exists = true;
  CompareOp compare = CompareOp::kGreater;
  double number = 0;
  SourceLocation where;
};

// `field|modifiers: value or [values]` — values are ORed, or ANDed with `all`. A keyword search has
// no field and matches anywhere in the raw event.
struct FieldMatchSpec {
  std::string field;
  bool keyword = false;
  bool allValues = false;
  std::vector<ValueSpec> values;
  SourceLocation where;
};

// A named search identifier: a map (its field matches ANDed) or a list of maps (ORed).
struct SelectionSpec {
  std::string name;
  std::vector<std::vector<FieldMatchSpec>> anyOf;
  SourceLocation where;
};

struct DetectionSpec {
  std::vector<SelectionSpec> selections;
  std::vector<std::string> conditions;  // several are ORed
  SourceLocation conditionWhere;
};

struct RuleMetadata {
  std::string id;
  std::string name;
  std::string title;
  std::string description;
  std::string level;  // informational | low | medium | high | critical
  std::string status;
  std::string author;
  std::vector<std::string> tags;
  std::vector<std::string> references;
  std::vector<std::string> falsePositives;
  std::string file;
};

struct RuleSpec {
  RuleMetadata meta;
  DetectionSpec detection;
  std::vector<DetectionSpec> filters;  // Sigma filters naming this rule: (condition) and (filter condition)
  SourceLocation where;
};

}  // namespace auditstream
