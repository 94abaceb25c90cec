#include "consumer/progress_line.h"

#include <cstdio>

namespace auditstream {

std::string progressLine(const ServiceTotals& totals, double seconds,
                         const std::map<std::string, std::uint64_t>& alertsByLevel, std::int64_t lag) {
  std::uint64_t rejected = 0;
  for (const std::uint64_t count : totals.processing.rejects) rejected += count;
  std::string levels;
  for (const char* level : {"critical", "high", "medium", "low", "informational"}) {
    const auto found = alertsByLevel.find(level);
    if (found != alertsByLevel.end()) levels += " " + std::string(level) + " " + std::to_string(found->second);
  }
  char line[512];
  std::snprintf(line, sizeof line,
                "[%4.0fs] %llu events (%.0f/s), %llu rejected | alerts:%s | correlations: %llu fired, %zu live keys | "
                "%zu partitions, lag %lld, %zu in flight, %llu commits",
                seconds, static_cast<unsigned long long>(totals.processing.events),
                seconds > 0 ? static_cast<double>(totals.processing.events) / seconds : 0.0,
                static_cast<unsigned long long>(rejected), levels.empty() ? " none" : levels.c_str(),
                static_cast<unsigned long long>(totals.correlations.fired), totals.correlations.liveKeys,
                totals.assignedPartitions, static_cast<long long>(lag), totals.inFlightMessages,
                static_cast<unsigned long long>(totals.committedOffsets));
  std::string out = line;
  if (totals.published.signals > 0 || totals.tasksOwned > 0) {  // correlation.signals: topic
    std::snprintf(line, sizeof line, " | signals: %llu written, %zu tasks",
                  static_cast<unsigned long long>(totals.published.signals), totals.tasksOwned);
    out += line;
  }
  return out;
}

}  // namespace auditstream
