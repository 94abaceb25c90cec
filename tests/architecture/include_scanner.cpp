#include "tests/architecture/include_scanner.h"

#include <fstream>
#include <regex>

namespace auditstream::testing {
namespace {

bool isSource(const std::filesystem::path& path) {
  static const std::vector<std::string> kExtensions = {".h", ".hpp", ".hh", ".c", ".cc", ".cpp", ".cxx", ".inl"};
  const std::string extension = path.extension().string();
  for (const auto& known : kExtensions) {
    if (extension == known) return true;
  }
  return false;
}

bool isForbidden(const std::string& header, const std::vector<std::string>& forbiddenPrefixes) {
  for (const std::string& prefix : forbiddenPrefixes) {
    if (header.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string relativeName(const std::filesystem::path& root, const std::filesystem::path& file) {
  return std::filesystem::relative(file, root.parent_path()).string();
}

}  // namespace

std::vector<ForbiddenInclude> findForbiddenIncludes(const std::filesystem::path& root,
                                                    const std::vector<std::string>& forbiddenPrefixes) {
  static const std::regex kInclude(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
  std::vector<ForbiddenInclude> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || !isSource(entry.path())) continue;
    std::ifstream in(entry.path());
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      std::smatch match;
      if (std::regex_search(line, match, kInclude) && isForbidden(match[1].str(), forbiddenPrefixes)) {
        found.push_back({relativeName(root, entry.path()), number, match[1].str()});
      }
    }
  }
  return found;
}

std::vector<ForbiddenInclude> findForbiddenLinks(const std::filesystem::path& root,
                                                 const std::vector<std::string>& forbiddenTargets) {
  std::vector<ForbiddenInclude> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().filename() != "CMakeLists.txt") continue;
    std::ifstream in(entry.path());
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      const std::string code = line.substr(0, line.find('#'));  // comments may name what is forbidden
      for (const std::string& target : forbiddenTargets) {
        if (code.find(target) != std::string::npos) found.push_back({relativeName(root, entry.path()), number, target});
      }
    }
  }
  return found;
}

}  // namespace auditstream::testing
