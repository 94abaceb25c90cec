// Where something was written in a rule or config file, for `file:line:col: what is wrong` errors.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace auditstream {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based; 0 = unknown

  std::string toString() const {
    if (line == 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
  // A parseError "file:line:col: message".
  Status error(std::string_view message) const { return parseError(toString() + ": " + std::string(message)); }
};

}  // namespace auditstream
