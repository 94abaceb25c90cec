#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"

namespace auditstream::testing {

// A LogSink that keeps every line it is given (from any thread) for a test to inspect.
class CapturingLogSink final : public LogSink {
 public:
  void write(std::string_view line) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  bool any(std::string_view text) const {
    for (const std::string& line : lines()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace auditstream::testing
