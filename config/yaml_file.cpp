#include "config/yaml_file.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace auditstream {
namespace {

// Walks every mapping and reports the first key that appears twice in the same mapping.
Status checkDuplicateKeys(const YamlFile& file, const YAML::Node& node) {
  if (node.IsMap()) {
    std::unordered_map<std::string, YAML::Mark> seen;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (key.IsScalar()) {
        const auto [where, inserted] = seen.emplace(key.Scalar(), key.Mark());
        if (!inserted) {
          return file.errorAt(key, "duplicate key '" + key.Scalar() + "' (first defined at " +
                                       formatYamlPosition(file.name(), where->second) + ")");
        }
      }
      RETURN_IF_ERROR(checkDuplicateKeys(file, entry.second));
    }
  } else if (node.IsSequence()) {
    for (const auto& element : node) RETURN_IF_ERROR(checkDuplicateKeys(file, element));
  }
  return Status::ok();
}

// Splits `text` at `---` document markers (column 0) into one text per document, each the same size as
// `text` with every line outside the document emptied, so yaml-cpp's positions stay file positions.
// (yaml-cpp 0.7's LoadAll loops forever, allocating, on some malformed input — jbeder/yaml-cpp#1319,
// fixed upstream in 2024 — while Load of a single document stops; the rule-loader fuzzer found it.)
std::vector<std::string> documentTexts(std::string_view text) {
  std::vector<std::size_t> starts{0};
  for (std::size_t line = 0; line < text.size();) {
    const std::size_t end = std::min(text.find('\n', line), text.size());
    const std::string_view content = text.substr(line, end - line);
    if (line > 0 && content.starts_with("---") &&
        (content.size() == 3 || content[3] == ' ' || content[3] == '\t' || content[3] == '\r')) {
      starts.push_back(line);
    }
    line = end + 1;
  }
  std::vector<std::string> documents;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t end = i + 1 < starts.size() ? starts[i + 1] : text.size();
    std::string document(text.size(), ' ');
    for (std::size_t j = 0; j < text.size(); ++j) {
      if (text[j] == '\n') document[j] = '\n';
    }
    document.replace(starts[i], end - starts[i], text.substr(starts[i], end - starts[i]));
    documents.push_back(std::move(document));
  }
  return documents;
}

}  // namespace

std::string formatYamlPosition(std::string_view name, const YAML::Mark& mark) {
  std::string out(name);
  if (mark.line >= 0 && mark.column >= 0) {
    out.append(":").append(std::to_string(mark.line + 1)).append(":").append(std::to_string(mark.column + 1));
  }
  return out;
}

Result<YamlFile> YamlFile::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return errnoError("cannot open " + path, errno);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return errnoError("cannot read " + path, errno);
  return parse(text.str(), path);
}

Result<YamlFile> YamlFile::parse(std::string_view text, std::string name) {
  std::vector<YAML::Node> documents;
  try {
    for (const std::string& document : documentTexts(text)) documents.push_back(YAML::Load(document));
  } catch (const YAML::Exception& e) {
    // e.msg is the reason without yaml-cpp's own "yaml-cpp: error at line..." prefix.
    return parseError(formatYamlPosition(name, e.mark) + ": " + e.msg);
  }
  YamlFile file(std::move(name), std::move(documents));
  for (const YAML::Node& document : file.documents_) RETURN_IF_ERROR(checkDuplicateKeys(file, document));
  return file;
}

std::string YamlFile::positionOf(const YAML::Node& node) const { return formatYamlPosition(name_, node.Mark()); }

Status YamlFile::errorAt(const YAML::Node& node, std::string_view message) const {
  return parseError(positionOf(node) + ": " + std::string(message));
}

}  // namespace auditstream
