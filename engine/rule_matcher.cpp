// RuleSet::match: candidate rules from the index, then each candidate's condition tree, evaluating a
// field (all its atoms at once: hash lookups + one Hyperscan scan per value) the first time any of its
// atoms is needed for this event.
#include <algorithm>
#include <charconv>

#include "engine/compiled_rules.h"
#include "engine/match_state.h"

namespace auditstream {
namespace {

int onHyperscanMatch(unsigned id, unsigned long long /*from*/, unsigned long long /*to*/, unsigned /*flags*/,
                     void* context) {
  setBit(*static_cast<std::vector<std::uint64_t>*>(context), id);
  return 0;
}

std::optional<double> numberOf(const FieldValue& value) {
  if (!value.isScalarText() || value.text.empty()) return std::nullopt;
  double number = 0;
  const auto [end, error] = std::from_chars(value.text.data(), value.text.data() + value.text.size(), number);
  if (error != std::errc() || end != value.text.data() + value.text.size()) return std::nullopt;
  return number;
}

bool equalsAscii(std::string_view a, std::string_view b, bool caseSensitive) {
  if (a.size() != b.size()) return false;
  if (caseSensitive) return a == b;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lowerA = static_cast<char>(std::tolower(static_cast<unsigned char>(a[i])));
    const auto lowerB = static_cast<char>(std::tolower(static_cast<unsigned char>(b[i])));
    if (lowerA != lowerB) return false;
  }
  return true;
}

bool refMatches(std::string_view value, std::string_view reference, Anchoring anchoring, bool caseSensitive) {
  if (reference.size() > value.size()) return false;
  switch (anchoring) {
    case Anchoring::kWhole: return equalsAscii(value, reference, caseSensitive);
    case Anchoring::kStartsWith: return equalsAscii(value.substr(0, reference.size()), reference, caseSensitive);
    case Anchoring::kEndsWith:
      return equalsAscii(value.substr(value.size() - reference.size()), reference, caseSensitive);
    case Anchoring::kContains:
      for (std::size_t i = 0; i + reference.size() <= value.size(); ++i) {
        if (equalsAscii(value.substr(i, reference.size()), reference, caseSensitive)) return true;
      }
      return false;
  }
  return false;
}

class Evaluator {
 public:
  Evaluator(const RuleSet::Impl& impl, const AuditEvent& event, MatchState& state)
      : impl_(impl), event_(event), state_(state) {}

  bool node(std::uint32_t index) {
    const Node& current = impl_.nodes[index];
    switch (current.kind) {
      case Node::Kind::kAtom: return atom(current.first);
      case Node::Kind::kAnd:
        for (std::uint32_t i = 0; i < current.count; ++i) {
          if (!node(impl_.children[current.first + i])) return false;
        }
        return true;
      case Node::Kind::kOr:
        for (std::uint32_t i = 0; i < current.count; ++i) {
          if (node(impl_.children[current.first + i])) return true;
        }
        return false;
      case Node::Kind::kNot: return !node(current.first);
      case Node::Kind::kTrue: return true;
      case Node::Kind::kFalse: return false;
    }
    return false;
  }

  void candidates() {
    std::vector<std::uint64_t>& bits = state_.candidates;
    std::fill(bits.begin(), bits.end(), ~0ULL);
    const std::size_t rules = impl_.rules.size();
    if (rules % 64 != 0 && !bits.empty()) bits.back() = (1ULL << (rules % 64)) - 1;
    for (const CandidateIndex& index : impl_.indexes) {
      state_.resolver.resolve(impl_.fields[index.field].path, state_.values);
      const std::vector<std::uint64_t>* allowed = &index.unconstrained;
      if (!state_.values.empty() && state_.values.front().isScalarText()) {
        lowerAsciiInto(state_.values.front().text, state_.lowered);
        const auto found = index.byValue.find(state_.lowered);
        if (found != index.byValue.end()) allowed = &found->second;
      }
      for (std::size_t w = 0; w < bits.size(); ++w) bits[w] &= (*allowed)[w];
    }
  }

 private:
  bool atom(std::uint32_t index) {
    const std::uint32_t field = impl_.atoms[index].field;
    if (state_.fieldEpoch[field] != state_.epoch) {
      state_.fieldEpoch[field] = state_.epoch;
      evaluateField(impl_.fields[field]);
    }
    return testBit(state_.atomTrue, index);
  }

  void evaluateField(const FieldProgram& program) {
    std::vector<FieldValue>& values = state_.values;
    if (program.rawEvent) {
      values.assign(1, FieldValue{JsonKind::kString, event_.raw()});
    } else {
      state_.resolver.resolve(program.path, values);
    }
    for (const FieldValue& value : values) {
      if (!value.isScalarText()) continue;
      if (!program.exactCaseless.empty()) {
        lowerAsciiInto(value.text, state_.lowered);
        setAll(program.exactCaseless, state_.lowered);
      }
      if (!program.exactCased.empty()) {
        state_.lowered.assign(value.text);
        setAll(program.exactCased, state_.lowered);
      }
      if (program.database) {
        hs_scan(program.database.get(), value.text.data(), static_cast<unsigned>(value.text.size()), 0,
                state_.scratch.get(), onHyperscanMatch, &state_.atomTrue);
      }
    }
    for (std::uint32_t atomIndex : program.directAtoms) {
      if (direct(impl_.atoms[atomIndex], values)) setBit(state_.atomTrue, atomIndex);
    }
  }

  void setAll(const std::unordered_map<std::string, std::vector<std::uint32_t>>& map, const std::string& key) {
    const auto found = map.find(key);
    if (found == map.end()) return;
    for (std::uint32_t atomIndex : found->second) setBit(state_.atomTrue, atomIndex);
  }

  bool direct(const Atom& atom, const std::vector<FieldValue>& values) {
    const auto present = [](const FieldValue& value) { return value.kind != JsonKind::kNull; };
    switch (atom.kind) {
      case AtomKind::kExists: return std::any_of(values.begin(), values.end(), present) == atom.exists;
      case AtomKind::kNull: return std::none_of(values.begin(), values.end(), present);
      case AtomKind::kCidr:
        return std::any_of(values.begin(), values.end(), [&](const FieldValue& value) {
          const auto address = value.kind == JsonKind::kString ? parseIpAddress(value.text) : std::nullopt;
          return address && atom.network.contains(*address);
        });
      case AtomKind::kCompare:
        return std::any_of(values.begin(), values.end(), [&](const FieldValue& value) {
          const auto number = numberOf(value);
          if (!number) return false;
          switch (atom.compare) {
            case CompareOp::kGreater: return *number > atom.number;
            case CompareOp::kGreaterOrEqual: return *number >= atom.number;
            case CompareOp::kLess: return *number < atom.number;
            case CompareOp::kLessOrEqual: return *number <= atom.number;
          }
          return false;
        });
      case AtomKind::kFieldRef: {
        state_.resolver.resolve(impl_.fields[atom.refField].path, state_.refValues);
        for (const FieldValue& value : values) {
          for (const FieldValue& reference : state_.refValues) {
            if (value.isScalarText() && reference.isScalarText() &&
                refMatches(value.text, reference.text, atom.anchoring, atom.caseSensitive)) {
              return true;
            }
          }
        }
        return false;
      }
      case AtomKind::kPattern: return false;
    }
    return false;
  }

  const RuleSet::Impl& impl_;
  const AuditEvent& event_;
  MatchState& state_;
};

}  // namespace

void RuleSet::match(const AuditEvent& event, MatchState& state, std::vector<std::uint32_t>& hits) const {
  hits.clear();
  state.resolver.reset(event);
  if (++state.epoch == 0) {  // wrapped: forget every field's stale mark
    std::fill(state.fieldEpoch.begin(), state.fieldEpoch.end(), 0);
    state.epoch = 1;
  }
  std::fill(state.atomTrue.begin(), state.atomTrue.end(), 0);
  Evaluator evaluator(*impl_, event, state);
  evaluator.candidates();
  for (std::size_t word = 0; word < state.candidates.size(); ++word) {
    for (std::uint64_t bits = state.candidates[word]; bits != 0; bits &= bits - 1) {
      const auto rule = static_cast<std::uint32_t>(word * 64 + static_cast<std::size_t>(__builtin_ctzll(bits)));
      if (evaluator.node(impl_->rules[rule].root)) hits.push_back(rule);
    }
  }
}

}  // namespace auditstream
