// RuleSet::create: RuleSpecs → atoms, condition trees, per-field matchers and the candidate index.
#include <algorithm>
#include <optional>
#include <set>

#include "engine/compiled_rules.h"
#include "engine/condition.h"
#include "engine/match_state.h"
#include "engine/sigma_regex.h"

namespace auditstream {
namespace {

constexpr std::string_view kIndexedFields[] = {"verb", "objectRef.resource"};

class Compiler {
 public:
  Compiler(RuleSet::Impl& impl, const RuleSetOptions& options) : impl_(impl), options_(options) {}

  Status addRule(RuleSpec spec) {
    const Checkpoint checkpoint = save();
    Result<std::uint32_t> root = compileRule(spec);
    if (!root) {
      restore(checkpoint);
      return root.status();
    }
    impl_.rules.push_back({std::make_shared<const RuleMetadata>(std::move(spec.meta)), *root});
    return Status::ok();
  }

  std::vector<Status> finish() {
    std::vector<Status> problems;
    for (FieldProgram& field : impl_.fields) {
      if (field.patterns.empty()) continue;
      Result<HsDatabase> database = compileHsDatabase(field.patterns);
      if (!database) {
        problems.push_back(database.status().withContext("field '" + field.path.text + "'"));
        continue;
      }
      field.database = std::move(database).value();
      ++impl_.stats.hyperscanDatabases;
      impl_.stats.hyperscanPatterns += field.patterns.size();
    }
    buildIndexes();
    impl_.stats.rules = impl_.rules.size();
    impl_.stats.atoms = impl_.atoms.size();
    impl_.stats.fields = impl_.fields.size();
    return problems;
  }

 private:
  struct Checkpoint {
    std::size_t atoms, nodes, children, fields;
  };
  Checkpoint save() const {
    return {impl_.atoms.size(), impl_.nodes.size(), impl_.children.size(), impl_.fields.size()};
  }
  // Forgets everything a failed rule added, so a bad rule leaves no trace in the set.
  void restore(const Checkpoint& checkpoint) {
    const auto keep = [&](std::uint32_t atom) { return atom < checkpoint.atoms; };
    for (FieldProgram& field : impl_.fields) {
      std::erase_if(field.patterns, [&](const HsPattern& pattern) { return !keep(pattern.id); });
      std::erase_if(field.directAtoms, [&](std::uint32_t atom) { return !keep(atom); });
      for (auto* map : {&field.exactCaseless, &field.exactCased}) {
        for (auto it = map->begin(); it != map->end();) {
          std::erase_if(it->second, [&](std::uint32_t atom) { return !keep(atom); });
          it = it->second.empty() ? map->erase(it) : std::next(it);
        }
      }
    }
    impl_.atoms.resize(checkpoint.atoms);
    exactValue_.resize(checkpoint.atoms);
    impl_.nodes.resize(checkpoint.nodes);
    impl_.children.resize(checkpoint.children);
    impl_.fields.resize(checkpoint.fields);
    std::erase_if(fieldIndex_, [&](const auto& entry) { return entry.second >= checkpoint.fields; });
  }

  Result<std::uint32_t> compileRule(const RuleSpec& spec) {
    ASSIGN_OR_RETURN(std::uint32_t root, compileDetection(spec.detection));
    if (spec.filters.empty()) return root;
    std::vector<std::uint32_t> parts{root};
    for (const DetectionSpec& filter : spec.filters) {
      ASSIGN_OR_RETURN(std::uint32_t filterRoot, compileDetection(filter));
      parts.push_back(filterRoot);
    }
    return group(Node::Kind::kAnd, parts);
  }

  Result<std::uint32_t> compileDetection(const DetectionSpec& detection) {
    std::vector<std::pair<std::string, std::uint32_t>> selections;
    for (const SelectionSpec& selection : detection.selections) {
      ASSIGN_OR_RETURN(std::uint32_t node, compileSelection(selection));
      selections.emplace_back(selection.name, node);
    }
    if (detection.conditions.empty()) return detection.conditionWhere.error("the detection has no condition");
    std::vector<std::uint32_t> conditions;
    for (const std::string& text : detection.conditions) {
      Result<ConditionNode> parsed = parseCondition(text);
      if (!parsed) return detection.conditionWhere.error("condition '" + text + "': " + parsed.status().message());
      ASSIGN_OR_RETURN(std::uint32_t node, compileCondition(*parsed, selections, detection.conditionWhere));
      conditions.push_back(node);
    }
    return group(Node::Kind::kOr, conditions);
  }

  Result<std::uint32_t> compileCondition(const ConditionNode& condition,
                                         const std::vector<std::pair<std::string, std::uint32_t>>& selections,
                                         const SourceLocation& where) {
    switch (condition.kind) {
      case ConditionNode::Kind::kSelection: {
        for (const auto& [name, node] : selections) {
          if (name == condition.name) return node;
        }
        return where.error("the condition names '" + condition.name + "', which is not a search identifier here");
      }
      case ConditionNode::Kind::kOneOf:
      case ConditionNode::Kind::kAllOf: {
        std::vector<std::uint32_t> matched;
        for (const auto& [name, node] : selections) {
          // `them` leaves out identifiers starting with '_' (Sigma's convention for helper selections).
          if (condition.name == "them" ? name.front() != '_' : selectionNameMatches(condition.name, name)) {
            matched.push_back(node);
          }
        }
        if (matched.empty()) return where.error("'of " + condition.name + "' matches no search identifier");
        return group(condition.kind == ConditionNode::Kind::kOneOf ? Node::Kind::kOr : Node::Kind::kAnd, matched);
      }
      case ConditionNode::Kind::kNot: {
        ASSIGN_OR_RETURN(std::uint32_t child, compileCondition(condition.children[0], selections, where));
        return addNode({Node::Kind::kNot, child, 0});
      }
      case ConditionNode::Kind::kAnd:
      case ConditionNode::Kind::kOr: {
        std::vector<std::uint32_t> parts;
        for (const ConditionNode& child : condition.children) {
          ASSIGN_OR_RETURN(std::uint32_t node, compileCondition(child, selections, where));
          parts.push_back(node);
        }
        return group(condition.kind == ConditionNode::Kind::kAnd ? Node::Kind::kAnd : Node::Kind::kOr, parts);
      }
    }
    return internalError("unhandled condition node");
  }

  Result<std::uint32_t> compileSelection(const SelectionSpec& selection) {
    std::vector<std::uint32_t> alternatives;
    for (const std::vector<FieldMatchSpec>& conjunction : selection.anyOf) {
      std::vector<std::uint32_t> parts;
      for (const FieldMatchSpec& match : conjunction) {
        ASSIGN_OR_RETURN(std::uint32_t node, compileFieldMatch(match));
        parts.push_back(node);
      }
      alternatives.push_back(group(Node::Kind::kAnd, parts));
    }
    return group(Node::Kind::kOr, alternatives);
  }

  Result<std::vector<std::uint32_t>> targetFields(const FieldMatchSpec& match) {
    if (match.keyword) return std::vector<std::uint32_t>{fieldFor(FieldPath{"<raw event>", {}, {}}, true)};
    const auto mapped = options_.fieldMapping.find(match.field);
    const std::vector<std::string> targets =
        mapped != options_.fieldMapping.end() ? mapped->second : std::vector<std::string>{match.field};
    std::vector<std::uint32_t> fields;
    for (const std::string& target : targets) {
      const std::optional<FieldPath> path = parseFieldPath(target);
      if (!path) return match.where.error("field '" + target + "' is not a valid path (empty segment)");
      fields.push_back(fieldFor(*path, false));
    }
    return fields;
  }

  Result<std::uint32_t> compileFieldMatch(const FieldMatchSpec& match) {
    ASSIGN_OR_RETURN(std::vector<std::uint32_t> fields, targetFields(match));
    std::vector<std::uint32_t> perValue;
    for (const ValueSpec& value : match.values) {
      std::vector<std::uint32_t> perField;
      for (std::uint32_t field : fields) {
        ASSIGN_OR_RETURN(std::uint32_t node, compileValue(field, value));
        perField.push_back(node);
      }
      perValue.push_back(group(Node::Kind::kOr, perField));
    }
    return group(match.allValues ? Node::Kind::kAnd : Node::Kind::kOr, perValue);
  }

  Result<std::uint32_t> compileValue(std::uint32_t fieldIndex, const ValueSpec& value) {
    Atom atom;
    atom.field = fieldIndex;
    const auto atomId = static_cast<std::uint32_t>(impl_.atoms.size());
    std::string exact;
    switch (value.op) {
      case ValueOp::kMatch: {
        std::optional<std::string> literal = literalOf(value.pattern);
        if (literal && value.anchoring == Anchoring::kWhole && !options_.exactValuesInHyperscan) {
          FieldProgram& field = impl_.fields[fieldIndex];
          if (value.caseSensitive) {
            field.exactCased[*literal].push_back(atomId);
          } else {
            std::string lowered;
            lowerAsciiInto(*literal, lowered);
            field.exactCaseless[lowered].push_back(atomId);
          }
          lowerAsciiInto(*literal, exact);
          ++impl_.stats.exactValues;
          break;
        }
        impl_.fields[fieldIndex].patterns.push_back(
            {sigmaPatternRegex(value.pattern, value.anchoring), sigmaPatternFlags(value.caseSensitive), atomId});
        break;
      }
      case ValueOp::kRegex: {
        const unsigned flags = regexFlags(value.regexCaseless, value.regexMultiline, value.regexDotAll);
        if (Status check = checkHsPattern(value.text, flags); !check.isOk()) {
          return value.where.error("regular expression '" + value.text + "' cannot run on Hyperscan: " +
                                   check.message() + " (no back-references or look-arounds)");
        }
        impl_.fields[fieldIndex].patterns.push_back({value.text, flags, atomId});
        break;
      }
      case ValueOp::kCidr: {
        const std::optional<IpNetwork> network = parseIpNetwork(value.text);
        if (!network) return value.where.error("'" + value.text + "' is not a CIDR network");
        atom.kind = AtomKind::kCidr;
        atom.network = *network;
        impl_.fields[fieldIndex].directAtoms.push_back(atomId);
        break;
      }
      case ValueOp::kExists:
      case ValueOp::kNull:
      case ValueOp::kCompare:
        atom.kind = value.op == ValueOp::kExists ? AtomKind::kExists
                    : value.op == ValueOp::kNull ? AtomKind::kNull
                                                 : AtomKind::kCompare;
        atom.exists = value.exists;
        atom.compare = value.compare;
        atom.number = value.number;
        impl_.fields[fieldIndex].directAtoms.push_back(atomId);
        break;
      case ValueOp::kFieldRef: {
        FieldMatchSpec reference{value.text, false, false, {}, value.where};
        ASSIGN_OR_RETURN(std::vector<std::uint32_t> referenced, targetFields(reference));
        atom.kind = AtomKind::kFieldRef;
        atom.refField = referenced.front();
        atom.anchoring = value.anchoring;
        atom.caseSensitive = value.caseSensitive;
        impl_.fields[fieldIndex].directAtoms.push_back(atomId);
        break;
      }
    }
    impl_.atoms.push_back(atom);
    exactValue_.push_back(std::move(exact));
    return addNode({Node::Kind::kAtom, atomId, 0});
  }

  std::uint32_t fieldFor(FieldPath path, bool rawEvent) {
    const auto found = fieldIndex_.find(path.text);
    if (found != fieldIndex_.end()) return found->second;
    const auto index = static_cast<std::uint32_t>(impl_.fields.size());
    fieldIndex_.emplace(path.text, index);
    FieldProgram program;
    program.path = std::move(path);
    program.rawEvent = rawEvent;
    impl_.fields.push_back(std::move(program));
    return index;
  }

  std::uint32_t addNode(Node node) {
    impl_.nodes.push_back(node);
    return static_cast<std::uint32_t>(impl_.nodes.size() - 1);
  }

  std::uint32_t group(Node::Kind kind, const std::vector<std::uint32_t>& parts) {
    if (parts.size() == 1) return parts[0];
    if (parts.empty()) return addNode({kind == Node::Kind::kAnd ? Node::Kind::kTrue : Node::Kind::kFalse, 0, 0});
    const auto first = static_cast<std::uint32_t>(impl_.children.size());
    impl_.children.insert(impl_.children.end(), parts.begin(), parts.end());
    return addNode({kind, first, static_cast<std::uint32_t>(parts.size())});
  }

  // The lower-cased values `field` must equal for `node` to be true; nullopt when it does not pin it.
  std::optional<std::set<std::string>> pinned(std::uint32_t nodeIndex, std::uint32_t field) const {
    const Node& node = impl_.nodes[nodeIndex];
    switch (node.kind) {
      case Node::Kind::kAtom: {
        const Atom& atom = impl_.atoms[node.first];
        if (atom.field != field || exactValue_[node.first].empty()) return std::nullopt;
        return std::set<std::string>{exactValue_[node.first]};
      }
      case Node::Kind::kAnd: {
        std::optional<std::set<std::string>> result;
        for (std::uint32_t i = 0; i < node.count; ++i) {
          auto child = pinned(impl_.children[node.first + i], field);
          if (!child) continue;
          if (!result) {
            result = std::move(child);
          } else {
            std::set<std::string> both;
            std::set_intersection(result->begin(), result->end(), child->begin(), child->end(),
                                  std::inserter(both, both.end()));
            result = std::move(both);
          }
        }
        return result;
      }
      case Node::Kind::kOr: {
        std::set<std::string> result;
        for (std::uint32_t i = 0; i < node.count; ++i) {
          auto child = pinned(impl_.children[node.first + i], field);
          if (!child) return std::nullopt;
          result.insert(child->begin(), child->end());
        }
        return result;
      }
      default: return std::nullopt;
    }
  }

  void buildIndexes() {
    const std::size_t words = (impl_.rules.size() + 63) / 64;
    for (std::string_view name : kIndexedFields) {
      const auto found = fieldIndex_.find(std::string(name));
      if (found == fieldIndex_.end()) continue;
      CandidateIndex index;
      index.field = found->second;
      index.unconstrained.assign(words, 0);
      for (std::size_t rule = 0; rule < impl_.rules.size(); ++rule) {
        const auto values = pinned(impl_.rules[rule].root, index.field);
        if (!values) {
          setBit(index.unconstrained, rule);
          continue;
        }
        for (const std::string& value : *values) {
          auto& bits = index.byValue[value];
          if (bits.empty()) bits.assign(words, 0);
          setBit(bits, rule);
        }
      }
      for (auto& [value, bits] : index.byValue) {
        for (std::size_t w = 0; w < words; ++w) bits[w] |= index.unconstrained[w];
      }
      impl_.indexes.push_back(std::move(index));
    }
  }

  static std::optional<std::string> literalOf(const SigmaPattern& pattern) {
    std::string text;
    for (const PatternPiece& piece : pattern) {
      if (piece.kind != PatternPiece::Kind::kLiteral) return std::nullopt;
      text += piece.literal;
    }
    return text;
  }

  RuleSet::Impl& impl_;
  const RuleSetOptions& options_;
  std::map<std::string, std::uint32_t> fieldIndex_;
  std::vector<std::string> exactValue_;  // per atom: its lower-cased exact value, or empty
};

}  // namespace

RuleSet::Build RuleSet::create(std::vector<RuleSpec> specs, const RuleSetOptions& options) {
  auto impl = std::make_unique<Impl>();
  Build build;
  Compiler compiler(*impl, options);
  for (RuleSpec& spec : specs) {
    if (Status status = compiler.addRule(std::move(spec)); !status.isOk()) build.problems.push_back(status);
  }
  std::vector<Status> late = compiler.finish();
  build.problems.insert(build.problems.end(), late.begin(), late.end());
  build.rules = std::shared_ptr<const RuleSet>(new RuleSet(std::move(impl)));
  return build;
}

RuleSet::RuleSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleSet::~RuleSet() = default;

std::size_t RuleSet::size() const { return impl_->rules.size(); }
const RuleMetadata& RuleSet::rule(std::size_t index) const { return *impl_->rules[index].meta; }
std::shared_ptr<const RuleMetadata> RuleSet::ruleShared(std::size_t index) const { return impl_->rules[index].meta; }
RuleSetStats RuleSet::stats() const { return impl_->stats; }

std::unique_ptr<MatchState> RuleSet::newMatchState() const {
  auto state = std::make_unique<MatchState>();
  for (const FieldProgram& field : impl_->fields) {
    if (field.database) {
      Status grown = growHsScratch(field.database.get(), state->scratch);
      if (!grown.isOk()) return nullptr;
    }
  }
  state->atomTrue.assign((impl_->atoms.size() + 63) / 64, 0);
  state->fieldEpoch.assign(impl_->fields.size(), 0);
  state->candidates.assign((impl_->rules.size() + 63) / 64, 0);
  return state;
}

}  // namespace auditstream
