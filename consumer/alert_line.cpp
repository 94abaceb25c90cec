#include "consumer/alert_line.h"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace auditstream {

std::string formatAlertLine(const Alert& alert, bool colour) {
  const std::string& level = alert.rule->level;
  const char* tint = level == "critical" ? "\033[1;35m"
                     : level == "high"   ? "\033[1;31m"
                     : level == "medium" ? "\033[33m"
                                         : "\033[36m";
  const std::time_t seconds = static_cast<std::time_t>(alert.lastEventTime.nanosSinceEpoch / 1'000'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char time[16];
  std::strftime(time, sizeof time, "%H:%M:%S", &utc);
  std::string upper = level;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  upper.resize(std::max<std::size_t>(upper.size(), 8), ' ');
  std::string line = std::string(time) + "  " + (colour ? tint : "") + upper + (colour ? "\033[0m" : "") + "  " +
                     alert.cluster + "  " + (colour ? "\033[1m" : "") + alert.rule->title + (colour ? "\033[0m" : "");
  const AlertEvidence& e = alert.evidence;
  line += "  user=" + e.user;
  line += "  " + e.verb + " " + e.resource + (e.name.empty() ? "" : "/" + e.name) +
          (e.subresource.empty() ? "" : "/" + e.subresource);
  if (!e.namespaceName.empty()) line += " ns=" + e.namespaceName;
  if (!e.responseCode.empty()) line += " code=" + e.responseCode;
  if (!alert.groupBy.empty()) line += "  [" + std::to_string(alert.count) + " events]";
  return line;
}

}  // namespace auditstream
