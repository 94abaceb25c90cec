#include "config/yaml_file.h"

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
    documents = YAML::LoadAll(std::string(text));
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
