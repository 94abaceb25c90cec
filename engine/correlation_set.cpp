#include "engine/correlation_set.h"

#include <algorithm>
#include <map>

#include "common/result.h"
#include "engine/byte_codec.h"
#include "engine/signal_record.h"  // stableHash

namespace auditstream {
namespace {

Result<FieldPath> mappedPath(const std::string& field, const RuleSetOptions& options, const SourceLocation& where) {
  const auto mapped = options.fieldMapping.find(field);
  const std::string& target = mapped != options.fieldMapping.end() ? mapped->second.front() : field;
  std::optional<FieldPath> path = parseFieldPath(target);
  if (!path) return where.error("'" + target + "' is not a valid field path");
  return *path;
}

Status validate(const CorrelationSpec& spec) {
  const SourceLocation& where = spec.where;
  if (spec.rules.empty()) return where.error("a correlation needs 'rules'");
  if (spec.timespanNanos <= 0) return where.error("a correlation needs a 'timespan' such as 5m");
  const CountCondition& c = spec.condition;
  const bool hasCondition = c.gt || c.gte || c.lt || c.lte || c.eq || c.neq;
  switch (spec.type) {
    case CorrelationType::kEventCount:
      if (!hasCondition) return where.error("event_count needs a condition (gt, gte, lt, lte, eq, neq)");
      break;
    case CorrelationType::kValueCount:
      if (!hasCondition) return where.error("value_count needs a condition (gt, gte, lt, lte, eq, neq)");
      if (spec.valueFields.empty()) return where.error("value_count needs 'field' in its condition");
      break;
    case CorrelationType::kTemporal:
    case CorrelationType::kTemporalOrdered:
      if (spec.rules.size() < 2) return where.error("temporal correlations need at least two rules");
      if (c.decidedAtClose()) return where.error("temporal conditions may use gt/gte only");
      break;
    case CorrelationType::kFirstSeen:
      if (spec.valueFields.empty()) return where.error("first_seen needs 'field' (the value whose novelty alerts)");
      if (hasCondition) return where.error("first_seen takes no condition");
      break;
  }
  return Status::ok();
}

std::uint64_t fingerprintOf(const CorrelationSpec& spec) {
  std::string text;
  putVarint(static_cast<std::uint64_t>(spec.type), text);
  putList(spec.rules, text);
  putList(spec.groupBy, text);
  for (const auto& [alias, byRule] : spec.aliases) {
    putString(alias, text);
    for (const auto& [rule, field] : byRule) {
      putString(rule, text);
      putString(field, text);
    }
  }
  putSigned(spec.timespanNanos, text);
  const CountCondition& c = spec.condition;
  for (const auto& bound : {c.gt, c.gte, c.lt, c.lte, c.eq, c.neq})
    putSigned(bound ? static_cast<std::int64_t>(*bound) : -1, text);
  putList(spec.valueFields, text);
  putSigned(spec.learningNanos, text);
  putSigned(spec.suppressNanos.value_or(-1), text);
  return stableHash(text);
}

}  // namespace

CorrelationSet::Build CorrelationSet::create(std::vector<CorrelationSpec> specs, const RuleSet& rules,
                                             const RuleSetOptions& options) {
  auto set = std::make_shared<CorrelationSet>();
  Build build;
  std::map<std::string, std::uint32_t> ruleByRef;
  for (std::uint32_t i = 0; i < rules.size(); ++i) {
    ruleByRef.emplace(rules.rule(i).id, i);
    if (!rules.rule(i).name.empty()) ruleByRef.emplace(rules.rule(i).name, i);
  }
  std::map<std::string, std::uint32_t> correlationByRef;
  std::vector<CorrelationSpec> valid;
  for (CorrelationSpec& spec : specs) {
    if (Status status = validate(spec); !status.isOk()) {
      build.problems.push_back(status);
      continue;
    }
    valid.push_back(std::move(spec));
  }
  for (std::uint32_t i = 0; i < valid.size(); ++i) {
    correlationByRef.emplace(valid[i].meta.id, i);
    if (!valid[i].meta.name.empty()) correlationByRef.emplace(valid[i].meta.name, i);
  }
  set->byRule_.resize(rules.size());
  set->byCorrelation_.resize(valid.size());
  set->standalone_.assign(rules.size(), true);
  std::vector<bool> generated(rules.size(), false);
  std::vector<bool> referenced(rules.size(), false);
  for (std::uint32_t i = 0; i < valid.size(); ++i) {
    const CorrelationSpec& spec = valid[i];
    Status problem;
    std::vector<std::pair<bool, CorrelationInput>> inputs;  // (from a base rule?, input)
    std::vector<std::uint32_t> sources;
    for (std::uint32_t ordinal = 0; ordinal < spec.rules.size() && problem.isOk(); ++ordinal) {
      const std::string& reference = spec.rules[ordinal];
      CorrelationInput input{i, ordinal, {}, {}};
      const auto base = ruleByRef.find(reference);
      const auto chained = correlationByRef.find(reference);
      if (base == ruleByRef.end() && chained == correlationByRef.end()) {
        problem = spec.where.error("the correlation names rule '" + reference + "', which is not loaded");
        break;
      }
      if (chained != correlationByRef.end() && chained->second == i) {
        problem = spec.where.error("the correlation names itself");
        break;
      }
      const RuleMetadata* meta = base != ruleByRef.end() ? &rules.rule(base->second) : nullptr;
      for (const std::string& field : spec.groupBy) {
        std::string source = field;
        const auto alias = spec.aliases.find(field);
        if (alias != spec.aliases.end()) {
          auto named = alias->second.find(reference);
          if (named == alias->second.end() && meta != nullptr) named = alias->second.find(meta->id);
          if (named == alias->second.end()) {
            problem = spec.where.error("alias '" + field + "' has no field for rule '" + reference + "'");
            break;
          }
          source = named->second;
        }
        Result<FieldPath> path = mappedPath(source, options, spec.where);
        if (!path) {
          problem = path.status();
          break;
        }
        input.groupByPaths.push_back(std::move(path).value());
      }
      for (const std::string& field : spec.valueFields) {
        Result<FieldPath> path = mappedPath(field, options, spec.where);
        if (!path) {
          problem = path.status();
          break;
        }
        input.valuePaths.push_back(std::move(path).value());
      }
      inputs.emplace_back(base != ruleByRef.end(), std::move(input));
      sources.push_back(base != ruleByRef.end() ? base->second : chained->second);
    }
    if (!problem.isOk()) {
      build.problems.push_back(problem);
      continue;
    }
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      auto& [fromRule, input] = inputs[k];
      if (fromRule) {
        referenced[sources[k]] = true;
        if (spec.generate) generated[sources[k]] = true;
        set->byRule_[sources[k]].push_back(std::move(input));
      } else {
        set->byCorrelation_[sources[k]].push_back(std::move(input));
      }
    }
  }
  for (std::size_t r = 0; r < rules.size(); ++r) set->standalone_[r] = !referenced[r] || generated[r];
  // Chains must not loop (a fire feeding itself back): reject every correlation on a cycle.
  std::vector<int> mark(valid.size(), 0);  // 0 new, 1 on the current path, 2 done
  std::vector<bool> onCycle(valid.size(), false);
  const auto visit = [&](auto&& self, std::uint32_t node, std::vector<std::uint32_t>& path) -> void {
    mark[node] = 1;
    path.push_back(node);
    for (const CorrelationInput& next : set->byCorrelation_[node]) {
      if (mark[next.correlation] == 1) {
        for (auto it = std::find(path.begin(), path.end(), next.correlation); it != path.end(); ++it)
          onCycle[*it] = true;
      } else if (mark[next.correlation] == 0) {
        self(self, next.correlation, path);
      }
    }
    path.pop_back();
    mark[node] = 2;
  };
  for (std::uint32_t i = 0; i < valid.size(); ++i) {
    std::vector<std::uint32_t> path;
    if (mark[i] == 0) visit(visit, i, path);
  }
  for (std::uint32_t i = 0; i < valid.size(); ++i) {
    if (!onCycle[i]) continue;
    build.problems.push_back(
        valid[i].where.error("the correlation is part of a cycle of correlations naming each other"));
    set->byCorrelation_[i].clear();
  }
  for (CorrelationSpec& spec : valid) {
    CompiledCorrelation compiled;
    compiled.suppressNanos = spec.suppressNanos.value_or(spec.timespanNanos);
    compiled.fingerprint = fingerprintOf(spec);
    compiled.meta = std::make_shared<const RuleMetadata>(spec.meta);
    compiled.spec = std::move(spec);
    set->correlations_.push_back(std::move(compiled));
  }
  build.correlations = std::move(set);
  return build;
}

const std::vector<CorrelationInput>& CorrelationSet::inputsOfRule(std::uint32_t rule) const {
  static const std::vector<CorrelationInput> kNone;
  return rule < byRule_.size() ? byRule_[rule] : kNone;
}

const std::vector<CorrelationInput>& CorrelationSet::inputsOfCorrelation(std::uint32_t correlation) const {
  static const std::vector<CorrelationInput> kNone;
  return correlation < byCorrelation_.size() ? byCorrelation_[correlation] : kNone;
}

}  // namespace auditstream
