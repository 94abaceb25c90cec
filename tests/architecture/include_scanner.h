// Finds `#include` lines that name forbidden headers, so a layering rule is a test that fails with the
// file, line and header rather than a convention in a document.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace auditstream::testing {

struct ForbiddenInclude {
  std::string file;  // relative to the scanned root's parent, e.g. "engine/parser.cpp"
  int line = 0;
  std::string header;  // as written between <> or ""

  std::string toString() const { return file + ":" + std::to_string(line) + ": includes <" + header + ">"; }
};

// Every #include under `root` (recursively, C/C++ sources and headers) whose header path starts with,
// or has a path component equal to, one of `forbiddenPrefixes`.
std::vector<ForbiddenInclude> findForbiddenIncludes(const std::filesystem::path& root,
                                                    const std::vector<std::string>& forbiddenPrefixes);

// Lines of a CMakeLists.txt under `root` that mention one of `forbiddenTargets` (link-level check).
std::vector<ForbiddenInclude> findForbiddenLinks(const std::filesystem::path& root,
                                                 const std::vector<std::string>& forbiddenTargets);

}  // namespace auditstream::testing
