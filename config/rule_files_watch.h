// RuleFilesWatch: whether the rule files under the configured paths changed since the last look — a file
// edited, added or removed, or a symlink pointing elsewhere (a Kubernetes ConfigMap update swaps the
// `..data` symlink: every file's target changes at once). The service polls it and reloads as on SIGHUP
// (the same keep-or-refuse). Cheap: one stat per file. Owned and used by one thread.
#pragma once

#include <string>
#include <vector>

namespace auditstream {

class RuleFilesWatch {
 public:
  explicit RuleFilesWatch(std::vector<std::string> paths);
  // True when the files differ from the last call (or the construction).
  bool changed();

 private:
  std::string signature() const;
  std::vector<std::string> paths_;
  std::string last_;
};

}  // namespace auditstream
