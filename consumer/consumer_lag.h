// Consumer lag and readiness from librdkafka's statistics JSON (statistics.interval.ms): for each
// partition the client fetches, how many messages it is behind the high watermark — measured from the
// next offset handed to the application (committed offsets trail on purpose: they wait for acks); before
// the first message, from the group's committed offset, or zero for an empty partition.
// Ready = partitions assigned, and every assigned partition's lag is known and within the bound.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auditstream {

struct PartitionLag {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t lag = 0;
};

// Partitions with both offsets known (librdkafka reports -1 until it has them; its internal -1
// partition is skipped). Malformed JSON yields nothing.
std::vector<PartitionLag> consumerLagFromStatistics(std::string_view json);

struct Readiness {
  bool ready = false;
  std::string why;  // when not ready
};

using PartitionKey = std::pair<std::string, std::int32_t>;

Readiness decideReadiness(const std::vector<PartitionKey>& assigned, const std::map<PartitionKey, std::int64_t>& lag,
                          std::int64_t maxLag);

}  // namespace auditstream
