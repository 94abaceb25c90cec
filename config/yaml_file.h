// YamlFile: a YAML file (one or more `---` documents) parsed with yaml-cpp, with every problem reported
// as `file:line:col: what is wrong` (1-based, as editors count). This is the adapter between yaml-cpp
// and the rest of config/: yaml-cpp's exceptions stop here and become Status values (STYLE.md #5), and
// the duplicate keys that yaml-cpp 0.7 accepts silently are rejected with both positions.
//
// Owned by whoever loads a config or rule file; immutable after loading. Thread-safety: const methods
// may be called concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "common/result.h"

namespace auditstream {

class YamlFile {
 public:
  // Reads and parses `path`. Errors: ioError (cannot read), parseError (`path:line:col: reason`).
  static Result<YamlFile> load(const std::string& path);
  // Parses `text` as if it were read from a file called `name`.
  static Result<YamlFile> parse(std::string_view text, std::string name);

  const std::string& name() const { return name_; }
  // The documents in file order; empty documents (`---` alone) are kept as null nodes.
  const std::vector<YAML::Node>& documents() const { return documents_; }

  // "name:line:col" of `node` ("name" alone when yaml-cpp has no position for it).
  std::string positionOf(const YAML::Node& node) const;
  // A parseError "name:line:col: message" pointing at `node`.
  Status errorAt(const YAML::Node& node, std::string_view message) const;

 private:
  YamlFile(std::string name, std::vector<YAML::Node> documents)
      : name_(std::move(name)), documents_(std::move(documents)) {}

  std::string name_;
  std::vector<YAML::Node> documents_;
};

// "name:line:col" from a 0-based yaml-cpp mark.
std::string formatYamlPosition(std::string_view name, const YAML::Mark& mark);

}  // namespace auditstream
