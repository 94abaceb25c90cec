#include "config/sigma_rule_loader.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>

#include "config/sigma_values.h"
#include "config/yaml_file.h"

namespace auditstream {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kLevels[] = {"informational", "low", "medium", "high", "critical"};

SourceLocation locationOf(const YamlFile& file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {file.name(), 0, 0};
  return {file.name(), mark.line + 1, mark.column + 1};
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

class DocumentReader {
 public:
  DocumentReader(const YamlFile& file, RuleLoad& load) : file_(file), load_(load) {}

  // Scalars: text, or an error naming `what`.
  Result<std::string> scalar(const YAML::Node& node, std::string_view what) const {
    if (!node.IsScalar()) return file_.errorAt(node, std::string(what) + " must be a single value");
    return node.Scalar();
  }
  Result<std::vector<std::string>> stringList(const YAML::Node& node, std::string_view what) const {
    std::vector<std::string> out;
    if (!node || node.IsNull()) return out;
    if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
    if (!node.IsSequence()) return file_.errorAt(node, std::string(what) + " must be a list");
    for (const YAML::Node& item : node) {
      ASSIGN_OR_RETURN(std::string text, scalar(item, what));
      out.push_back(std::move(text));
    }
    return out;
  }

  Result<std::vector<SigmaScalar>> values(const YAML::Node& node) const {
    std::vector<SigmaScalar> out;
    const auto one = [&](const YAML::Node& item) -> Status {
      if (item.IsNull()) {
        out.push_back({"", true, locationOf(file_, item)});
      } else if (item.IsScalar()) {
        out.push_back({item.Scalar(), false, locationOf(file_, item)});
      } else {
        return file_.errorAt(item, "a value must be a string, number, boolean or null (nested maps are not Sigma)");
      }
      return Status::ok();
    };
    if (node.IsSequence()) {
      if (node.size() == 0) return file_.errorAt(node, "an empty list of values matches nothing; remove it");
      for (const YAML::Node& item : node) RETURN_IF_ERROR(one(item));
    } else {
      RETURN_IF_ERROR(one(node));
    }
    return out;
  }

  Result<std::vector<FieldMatchSpec>> conjunction(const YAML::Node& map) const {
    std::vector<FieldMatchSpec> matches;
    for (const auto& entry : map) {
      ASSIGN_OR_RETURN(std::string key, scalar(entry.first, "a field name"));
      ASSIGN_OR_RETURN(std::vector<SigmaScalar> fieldValues, values(entry.second));
      ASSIGN_OR_RETURN(FieldMatchSpec match, parseFieldMatch(key, fieldValues, locationOf(file_, entry.first)));
      matches.push_back(std::move(match));
    }
    if (matches.empty()) return file_.errorAt(map, "an empty map matches everything; remove it");
    return matches;
  }

  Result<SelectionSpec> selection(const std::string& name, const YAML::Node& node) const {
    SelectionSpec selection{name, {}, locationOf(file_, node)};
    if (node.IsMap()) {
      ASSIGN_OR_RETURN(std::vector<FieldMatchSpec> all, conjunction(node));
      selection.anyOf.push_back(std::move(all));
    } else if (node.IsSequence() || node.IsScalar()) {
      const bool maps = node.IsSequence() && node.size() > 0 && node[0].IsMap();
      if (maps) {
        for (const YAML::Node& item : node) {
          if (!item.IsMap()) return file_.errorAt(item, "a list of maps cannot also hold plain values");
          ASSIGN_OR_RETURN(std::vector<FieldMatchSpec> all, conjunction(item));
          selection.anyOf.push_back(std::move(all));
        }
      } else {
        ASSIGN_OR_RETURN(std::vector<SigmaScalar> keywords, values(node));
        ASSIGN_OR_RETURN(FieldMatchSpec match, parseFieldMatch("", keywords, selection.where));
        selection.anyOf.push_back({std::move(match)});
      }
    } else {
      return file_.errorAt(node, "search identifier '" + name + "' is empty");
    }
    return selection;
  }

  // The selections and condition of a `detection` (or a filter's `filter`) map.
  Result<DetectionSpec> detection(const YAML::Node& node, const std::set<std::string>& reserved) const {
    if (!node.IsMap()) return file_.errorAt(node, "detection must be a map");
    DetectionSpec spec;
    for (const auto& entry : node) {
      ASSIGN_OR_RETURN(std::string key, scalar(entry.first, "a search identifier"));
      if (key == "condition") {
        ASSIGN_OR_RETURN(spec.conditions, stringList(entry.second, "condition"));
        spec.conditionWhere = locationOf(file_, entry.second);
      } else if (key == "timeframe") {
        return file_.errorAt(entry.first,
                             "'timeframe' (Sigma v1 aggregation) is not supported; write a correlation rule");
      } else if (!reserved.contains(key)) {
        ASSIGN_OR_RETURN(SelectionSpec selection, selection(key, entry.second));
        spec.selections.push_back(std::move(selection));
      }
    }
    if (spec.conditions.empty()) return file_.errorAt(node, "detection has no condition");
    return spec;
  }

  // true: Kubernetes audit; false: another log source (skipped, counted).
  Result<bool> isKubernetesAudit(const YAML::Node& document) const {
    const YAML::Node logsource = document["logsource"];
    if (!logsource) return file_.errorAt(document, "a rule needs a logsource");
    if (!logsource.IsMap()) return file_.errorAt(logsource, "logsource must be a map");
    const std::string product = logsource["product"] ? lower(logsource["product"].as<std::string>("")) : "";
    const std::string service = logsource["service"] ? lower(logsource["service"].as<std::string>("")) : "";
    return product == "kubernetes" && service == "audit";
  }

  Result<RuleMetadata> metadata(const YAML::Node& document) const {
    RuleMetadata meta;
    meta.file = file_.name();
    const auto optional = [&](const char* key, std::string& out) -> Status {
      if (document[key]) {
        ASSIGN_OR_RETURN(out, scalar(document[key], key));
      }
      return Status::ok();
    };
    if (!document["title"]) return file_.errorAt(document, "a rule needs a title");
    RETURN_IF_ERROR(optional("title", meta.title));
    RETURN_IF_ERROR(optional("id", meta.id));
    RETURN_IF_ERROR(optional("name", meta.name));
    RETURN_IF_ERROR(optional("description", meta.description));
    RETURN_IF_ERROR(optional("status", meta.status));
    RETURN_IF_ERROR(optional("author", meta.author));
    RETURN_IF_ERROR(optional("level", meta.level));
    ASSIGN_OR_RETURN(meta.tags, stringList(document["tags"], "tags"));
    ASSIGN_OR_RETURN(meta.references, stringList(document["references"], "references"));
    ASSIGN_OR_RETURN(meta.falsePositives, stringList(document["falsepositives"], "falsepositives"));
    if (meta.id.empty() && meta.name.empty()) {
      return file_.errorAt(document, "a rule needs an id (or a name): alert ids are derived from it");
    }
    if (meta.id.empty()) meta.id = meta.name;
    if (meta.level.empty()) meta.level = "medium";
    if (std::find(std::begin(kLevels), std::end(kLevels), meta.level) == std::end(kLevels)) {
      return file_.errorAt(document["level"],
                           "level '" + meta.level + "' must be informational, low, medium, high or critical");
    }
    return meta;
  }

  Status rule(const YAML::Node& document) {
    ASSIGN_OR_RETURN(bool kubernetes, isKubernetesAudit(document));
    ASSIGN_OR_RETURN(RuleMetadata meta, metadata(document));
    if (!kubernetes) {
      ++load_.skippedOtherLogsource;
      load_.skipped.push_back(file_.positionOf(document) + ": " + meta.title);
      return Status::ok();
    }
    ASSIGN_OR_RETURN(DetectionSpec detection, this->detection(document["detection"], {}));
    load_.rules.push_back({std::move(meta), std::move(detection), {}, locationOf(file_, document)});
    return Status::ok();
  }

  Result<std::uint64_t> bound(const YAML::Node& node) const {
    ASSIGN_OR_RETURN(std::string text, scalar(node, "a condition bound"));
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
      return file_.errorAt(node, "'" + text + "' is not a whole number");
    }
    return value;
  }

  Result<std::int64_t> duration(const YAML::Node& node, std::string_view what) const {
    ASSIGN_OR_RETURN(std::string text, scalar(node, what));
    const std::optional<std::int64_t> nanos = parseTimespan(text);
    if (!nanos) return file_.errorAt(node, std::string(what) + " '" + text + "' must be a number and s, m, h or d");
    return *nanos;
  }

  Status correlation(const YAML::Node& document) {
    CorrelationSpec spec;
    ASSIGN_OR_RETURN(spec.meta, metadata(document));
    spec.where = locationOf(file_, document["correlation"]);
    const YAML::Node body = document["correlation"];
    if (!body.IsMap()) return file_.errorAt(body, "correlation must be a map");
    static const std::map<std::string, CorrelationType> kTypes = {
        {"event_count", CorrelationType::kEventCount},
        {"value_count", CorrelationType::kValueCount},
        {"temporal", CorrelationType::kTemporal},
        {"temporal_ordered", CorrelationType::kTemporalOrdered},
        {"first_seen", CorrelationType::kFirstSeen}};
    for (const auto& entry : body) {
      ASSIGN_OR_RETURN(std::string key, scalar(entry.first, "a correlation key"));
      const YAML::Node& value = entry.second;
      if (key == "type") {
        ASSIGN_OR_RETURN(std::string type, scalar(value, "type"));
        const auto found = kTypes.find(type);
        if (found == kTypes.end()) {
          return file_.errorAt(
              value, "type '" + type + "' must be event_count, value_count, temporal, temporal_ordered or first_seen");
        }
        spec.type = found->second;
      } else if (key == "rules") {
        ASSIGN_OR_RETURN(spec.rules, stringList(value, "rules"));
      } else if (key == "group-by") {
        ASSIGN_OR_RETURN(spec.groupBy, stringList(value, "group-by"));
      } else if (key == "timespan") {
        ASSIGN_OR_RETURN(spec.timespanNanos, duration(value, "timespan"));
      } else if (key == "learning") {
        ASSIGN_OR_RETURN(spec.learningNanos, duration(value, "learning"));
      } else if (key == "suppress") {
        ASSIGN_OR_RETURN(std::int64_t suppress, duration(value, "suppress"));
        spec.suppressNanos = suppress;
      } else if (key == "max_keys") {
        ASSIGN_OR_RETURN(std::uint64_t keys, bound(value));
        if (keys == 0) return file_.errorAt(value, "max_keys must be at least 1");
        spec.maxKeys = static_cast<std::size_t>(keys);
      } else if (key == "field") {
        ASSIGN_OR_RETURN(spec.valueFields, stringList(value, "field"));
      } else if (key == "generate") {
        ASSIGN_OR_RETURN(std::string flag, scalar(value, "generate"));
        if (flag != "true" && flag != "false") return file_.errorAt(value, "generate must be true or false");
        spec.generate = flag == "true";
      } else if (key == "aliases") {
        if (!value.IsMap()) return file_.errorAt(value, "aliases must map alias → {rule: field}");
        for (const auto& alias : value) {
          if (!alias.second.IsMap()) return file_.errorAt(alias.second, "an alias maps rule names to fields");
          for (const auto& target : alias.second) {
            spec.aliases[alias.first.Scalar()][target.first.Scalar()] = target.second.Scalar();
          }
        }
      } else if (key == "condition") {
        if (!value.IsMap()) return file_.errorAt(value, "condition must be a map such as {gte: 10}");
        for (const auto& criterion : value) {
          const std::string name = criterion.first.Scalar();
          if (name == "field") {
            ASSIGN_OR_RETURN(spec.valueFields, stringList(criterion.second, "field"));
            continue;
          }
          std::optional<std::uint64_t>* slot = name == "gt"    ? &spec.condition.gt
                                               : name == "gte" ? &spec.condition.gte
                                               : name == "lt"  ? &spec.condition.lt
                                               : name == "lte" ? &spec.condition.lte
                                               : name == "eq"  ? &spec.condition.eq
                                               : name == "neq" ? &spec.condition.neq
                                                               : nullptr;
          if (slot == nullptr) {
            return file_.errorAt(criterion.first,
                                 "condition '" + name + "' must be gt, gte, lt, lte, eq, neq or field");
          }
          ASSIGN_OR_RETURN(std::uint64_t number, bound(criterion.second));
          *slot = number;
        }
      } else {
        return file_.errorAt(entry.first, "unknown correlation key '" + key + "'");
      }
    }
    if (spec.learningNanos > 0 && spec.type != CorrelationType::kFirstSeen) {
      return file_.errorAt(body["learning"], "'learning' applies to first_seen only");
    }
    load_.correlations.push_back(std::move(spec));
    return Status::ok();
  }

  Status filter(const YAML::Node& document, std::vector<PendingFilter>& filters) {
    ASSIGN_OR_RETURN(bool kubernetes, isKubernetesAudit(document));
    if (!kubernetes) {
      ++load_.skippedOtherLogsource;
      return Status::ok();
    }
    const YAML::Node body = document["filter"];
    if (!body.IsMap()) return file_.errorAt(body, "filter must be a map");
    if (!body["rules"]) return file_.errorAt(body, "a filter needs 'rules' (rule ids or names, or 'any')");
    PendingFilter pending;
    ASSIGN_OR_RETURN(pending.references, stringList(body["rules"], "rules"));
    pending.where = locationOf(file_, body["rules"]);
    ASSIGN_OR_RETURN(pending.detection, detection(body, {"rules"}));
    filters.push_back(std::move(pending));
    return Status::ok();
  }

  Status fieldMappings(const YAML::Node& node, std::map<std::string, std::vector<std::string>>& mapping) {
    if (!node.IsMap()) return file_.errorAt(node, "fieldmappings must be a map of field → path(s)");
    for (const auto& entry : node) {
      ASSIGN_OR_RETURN(std::string field, scalar(entry.first, "a field name"));
      ASSIGN_OR_RETURN(std::vector<std::string> targets, stringList(entry.second, "a mapping target"));
      if (targets.empty()) return file_.errorAt(entry.second, "'" + field + "' maps to nothing");
      if (mapping.contains(field)) return file_.errorAt(entry.first, "'" + field + "' is mapped twice");
      mapping[field] = std::move(targets);
    }
    return Status::ok();
  }

 private:
  const YamlFile& file_;
  RuleLoad& load_;
};

std::vector<std::string> ruleFiles(const std::vector<std::string>& paths, std::vector<Status>& problems) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (fs::is_regular_file(path, error)) {
      files.push_back(path);
      continue;
    }
    if (!fs::is_directory(path, error)) {
      problems.push_back(notFound(path + ": no such rule file or directory"));
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(path, error); !error && it != fs::recursive_directory_iterator();
         it.increment(error)) {
      const std::string extension = it->path().extension().string();
      if (it->is_regular_file() && (extension == ".yml" || extension == ".yaml")) found.push_back(it->path().string());
    }
    if (error) problems.push_back(ioError(path + ": " + error.message()));
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

void loadDocuments(const YamlFile& file, RuleLoad& load, std::vector<PendingFilter>& filters) {
  DocumentReader reader(file, load);
  for (const YAML::Node& document : file.documents()) {
    if (!document || document.IsNull()) continue;
    Status status;
    if (!document.IsMap()) {
      status = file.errorAt(document, "a Sigma document must be a map");
    } else if (document["correlation"]) {
      status = reader.correlation(document);
    } else if (document["fieldmappings"]) {
      status = reader.fieldMappings(document["fieldmappings"], load.options.fieldMapping);
    } else if (document["filter"]) {
      status = reader.filter(document, filters);
    } else if (document["action"]) {
      status = file.errorAt(document["action"], "rule collections with 'action' are not supported");
    } else if (document["detection"]) {
      status = reader.rule(document);
    } else {
      status = file.errorAt(document, "not a Sigma rule: no detection, filter or fieldmappings");
    }
    if (!status.isOk()) load.problems.push_back(std::move(status));
  }
}

// Cross-document checks (duplicate ids) and filters applied to the rules they name.
void finishLoad(RuleLoad& load, const std::vector<PendingFilter>& filters) {
  std::map<std::string, const RuleSpec*> byId;
  for (const RuleSpec& rule : load.rules) {
    const auto [existing, inserted] = byId.emplace(rule.meta.id, &rule);
    if (!inserted) {
      load.problems.push_back(
          rule.where.error("rule id '" + rule.meta.id + "' is also used at " + existing->second->where.toString()));
    }
  }
  for (const PendingFilter& filter : filters) {
    for (const std::string& reference : filter.references) {
      bool applied = false;
      for (RuleSpec& rule : load.rules) {
        if (reference == "any" || rule.meta.id == reference || rule.meta.name == reference) {
          rule.filters.push_back(filter.detection);
          applied = true;
        }
      }
      if (!applied) {
        load.problems.push_back(filter.where.error("the filter names rule '" + reference + "', which is not loaded"));
      }
    }
  }
}

}  // namespace

RuleLoad loadSigmaRules(const std::vector<std::string>& paths) {
  RuleLoad load;
  std::vector<PendingFilter> filters;
  for (const std::string& path : ruleFiles(paths, load.problems)) {
    ++load.files;
    Result<YamlFile> file = YamlFile::load(path);
    if (!file) {
      load.problems.push_back(file.status());
      continue;
    }
    loadDocuments(*file, load, filters);
  }
  finishLoad(load, filters);
  return load;
}

RuleLoad loadSigmaRulesFromText(std::string_view text, std::string name) {
  RuleLoad load;
  std::vector<PendingFilter> filters;
  load.files = 1;
  Result<YamlFile> file = YamlFile::parse(text, std::move(name));
  if (!file) {
    load.problems.push_back(file.status());
    return load;
  }
  loadDocuments(*file, load, filters);
  finishLoad(load, filters);
  return load;
}

}  // namespace auditstream
