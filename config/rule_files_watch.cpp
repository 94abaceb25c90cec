#include "config/rule_files_watch.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace auditstream {
namespace {

namespace fs = std::filesystem;

// One line per YAML file: its path, where it resolves to, its size and modification time. Directory
// symlinks are not followed (a loop must not hang the loop); file symlinks are (ConfigMaps).
void describe(const fs::path& path, std::vector<std::string>& lines) {
  std::error_code error;
  const fs::path target = fs::canonical(path, error);
  if (error) {
    lines.push_back(path.string() + " unreadable");
    return;
  }
  const auto size = fs::file_size(target, error);
  const auto time = fs::last_write_time(target, error).time_since_epoch().count();
  lines.push_back(path.string() + " " + target.string() + " " + std::to_string(size) + " " + std::to_string(time));
}

bool isRuleFile(const fs::path& path) { return path.extension() == ".yml" || path.extension() == ".yaml"; }

}  // namespace

RuleFilesWatch::RuleFilesWatch(std::vector<std::string> paths) : paths_(std::move(paths)), last_(signature()) {}

bool RuleFilesWatch::changed() {
  std::string now = signature();
  if (now == last_) return false;
  last_ = std::move(now);
  return true;
}

std::string RuleFilesWatch::signature() const {
  std::vector<std::string> lines;
  for (const std::string& root : paths_) {
    std::error_code error;
    if (!fs::is_directory(root, error)) {
      describe(root, lines);
      continue;
    }
    for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error), end;
         !error && it != end; it.increment(error)) {
      if (isRuleFile(it->path()) && !it->is_directory(error)) describe(it->path(), lines);
    }
    if (error) lines.push_back(root + " " + error.message());
  }
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (const std::string& line : lines) (text += line) += '\n';
  return text;
}

}  // namespace auditstream
