// Signal: a base-rule match (or a fired correlation) handed to the correlation engine — which
// correlation it feeds, its group key, event time and the evidence to carry. Only matching events make
// signals, so this traffic is small (ARCHITECTURE.md, Threads).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/alert.h"
#include "engine/event_time.h"

namespace auditstream {

struct Signal {
  std::uint32_t correlation = 0;  // index in the CorrelationSet
  std::uint32_t ruleOrdinal = 0;  // position of the matched rule in the correlation's `rules`
  std::uint32_t partition = 0;    // input partition, for watermarks
  EventTime time;
  std::string cluster;
  std::vector<std::pair<std::string, std::string>> groupBy;  // field → value, the correlation's group-by
  std::string value;                                         // value_count / first_seen: the counted value
  std::string auditId;  // de-duplication: one request is one event whatever the stages
  AlertEvidence evidence;
  std::optional<AlertProvenance> provenance;
  // Ties of equal event time are applied in (rank, partition, arrival) order. `rank` is 0 unless the
  // partition numbers are not the same from run to run (a correlation task numbers its sources as they
  // come): then a stable hash of the source's name.
  std::uint64_t rank = 0;
  std::uint64_t sequence = 0;  // arrival order, to break time ties deterministically within a partition
  // Where a correlation task read it (its signals partition's offset): a checkpoint names the signals
  // still buffered by it, to be read again on restore. -1: not from a signals partition.
  std::int64_t origin = -1;
};

// cluster + group-by values, the key windows are kept under.
std::string groupKeyOf(const Signal& signal);

}  // namespace auditstream
