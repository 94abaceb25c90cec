// The compiled form of a RuleSet (internal to engine/: rule_compiler.cpp builds it, rule_matcher.cpp
// reads it). Conditions are flat node arrays; leaves are atoms, each a test on one field.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/field_path.h"
#include "engine/hyperscan_database.h"
#include "engine/ip_network.h"
#include "engine/rule_set.h"

namespace auditstream {

enum class AtomKind : std::uint8_t {
  kPattern,   // set by its field's exact maps / Hyperscan database
  kExists,    // `exists`
  kNull,      // null: absent or JSON null
  kCidr,      // `cidr`
  kCompare,   // gt/gte/lt/lte
  kFieldRef,  // equal (or contains/startswith/endswith) to another field's value
};

struct Atom {
  std::uint32_t field = 0;
  AtomKind kind = AtomKind::kPattern;
  bool exists = true;
  IpNetwork network;
  CompareOp compare = CompareOp::kGreater;
  double number = 0;
  std::uint32_t refField = 0;
  Anchoring anchoring = Anchoring::kWhole;
  bool caseSensitive = false;
};

struct Node {
  enum class Kind : std::uint8_t { kAtom, kAnd, kOr, kNot, kTrue, kFalse };
  Kind kind = Kind::kTrue;
  std::uint32_t first = 0;  // kAtom: atom index; kNot: child node; kAnd/kOr: first index in `children`
  std::uint32_t count = 0;  // kAnd/kOr: number of children
};

struct FieldProgram {
  FieldPath path;
  bool rawEvent = false;                                                      // keyword searches: the whole event text
  std::unordered_map<std::string, std::vector<std::uint32_t>> exactCaseless;  // lower-cased value → atoms
  std::unordered_map<std::string, std::vector<std::uint32_t>> exactCased;
  std::vector<HsPattern> patterns;  // compiled into `database`
  HsDatabase database;
  std::vector<std::uint32_t> directAtoms;  // exists, null, cidr, compare, fieldref
};

struct CompiledRule {
  std::shared_ptr<const RuleMetadata> meta;
  std::uint32_t root = 0;
};

struct CandidateIndex {
  std::uint32_t field = 0;
  std::unordered_map<std::string, std::vector<std::uint64_t>> byValue;  // lower-cased value → rule bitset
  std::vector<std::uint64_t> unconstrained;  // rules that do not pin this field (any value, or absent)
};

struct RuleSet::Impl {
  std::vector<CompiledRule> rules;
  std::vector<Atom> atoms;
  std::vector<Node> nodes;
  std::vector<std::uint32_t> children;
  std::vector<FieldProgram> fields;
  std::vector<CandidateIndex> indexes;  // verb, objectRef.resource
  RuleSetStats stats;
};

// Bitset helpers over 64-bit words.
inline void setBit(std::vector<std::uint64_t>& bits, std::size_t index) { bits[index / 64] |= 1ULL << (index % 64); }
inline bool testBit(const std::vector<std::uint64_t>& bits, std::size_t index) {
  return ((bits[index / 64] >> (index % 64)) & 1ULL) != 0;
}

// ASCII lower-casing (Sigma's case-insensitive matching; Hyperscan handles the rest).
void lowerAsciiInto(std::string_view text, std::string& out);

}  // namespace auditstream
