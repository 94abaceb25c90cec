#include "consumer/consumer_lag.h"

#include <algorithm>
#include <simdjson.h>

namespace auditstream {

std::vector<PartitionLag> consumerLagFromStatistics(std::string_view json) {
  std::vector<PartitionLag> lags;
  simdjson::dom::parser parser;
  simdjson::dom::object topics;
  if (parser.parse(json.data(), json.size()).get_object()["topics"].get(topics)) return lags;
  for (const auto topic : topics) {
    simdjson::dom::object partitions;
    if (topic.value["partitions"].get(partitions)) continue;
    for (const auto partition : partitions) {
      std::int64_t high = -1;
      std::int64_t low = -1;
      std::int64_t next = -1;
      std::int64_t committed = -1;
      std::int64_t id = -1;
      if (partition.value["hi_offset"].get(high) || partition.value["partition"].get(id) || id < 0 || high < 0) {
        continue;
      }
      // Absent or malformed: stay -1 (unknown).
      if (partition.value["lo_offset"].get(low)) low = -1;
      if (partition.value["app_offset"].get(next)) next = -1;
      if (partition.value["committed_offset"].get(committed)) committed = -1;
      // Nothing handed to us yet: the group's committed offset, or an empty partition, tells where we are.
      if (next < 0) next = committed >= 0 ? committed : (low >= 0 && low == high ? high : -1);
      if (next < 0) continue;
      lags.push_back({std::string(topic.key), static_cast<std::int32_t>(id), std::max<std::int64_t>(0, high - next)});
    }
  }
  return lags;
}

Readiness decideReadiness(const std::vector<PartitionKey>& assigned, const std::map<PartitionKey, std::int64_t>& lag,
                          std::int64_t maxLag) {
  if (assigned.empty()) return {false, "no partitions assigned"};
  for (const PartitionKey& partition : assigned) {
    const std::string name = partition.first + "[" + std::to_string(partition.second) + "]";
    const auto found = lag.find(partition);
    if (found == lag.end()) return {false, name + ": lag not known yet"};
    if (found->second > maxLag) {
      return {false, name + " is " + std::to_string(found->second) + " messages behind (ready at " +
                         std::to_string(maxLag) + ")"};
    }
  }
  return {true, ""};
}

}  // namespace auditstream
