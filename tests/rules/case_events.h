// The events of every rule case (tests/rules/<case>/events.jsonl) as one stream: two partitions, round
// robin (a shipper without keys: one identity's events span both), each in event-time order. For the
// correlation tests that replay every bundled correlation's cases (determinism, checkpoints).
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/event_time.h"

namespace auditstream {

struct CaseMessage {
  std::string text;
  std::uint32_t partition = 0;
  std::int64_t time = 0;  // stageTimestamp, nanoseconds
};

inline std::vector<CaseMessage> allCaseEvents() {
  namespace fs = std::filesystem;
  std::vector<CaseMessage> messages;
  for (const auto& entry : fs::directory_iterator(AUDITSTREAM_RULE_CASES_DIR)) {
    if (!fs::exists(entry.path() / "events.jsonl") || fs::is_directory(entry.path() / "rules")) continue;
    std::ifstream in(entry.path() / "events.jsonl");
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const std::size_t at = line.find("\"stageTimestamp\":\"");
      const auto time = parseRfc3339(line.substr(at + 18, 27));
      messages.push_back({line, static_cast<std::uint32_t>(messages.size() % 2), time ? time->nanosSinceEpoch : 0});
    }
  }
  std::stable_sort(messages.begin(), messages.end(),
                   [](const CaseMessage& a, const CaseMessage& b) { return a.time < b.time; });
  return messages;
}

}  // namespace auditstream
