// CorrelationShards: correlation state partitioned by hash of the group key across N threads, each
// owning one CorrelationEngine, fed batch by batch through bounded queues (ARCHITECTURE.md, Threads).
// Every batch carries the partitions' clocks to every shard, so all shards share one watermark; the
// alerts of batch k from all shards are emitted together, in batch order then event-time order, so the output
// is the same for any shard count. Correlations that chain (one naming another) all live on shard 0,
// where an inner correlation's fire can reach the outer one whatever its group key.
//
// submit() and finish() are called by one thread (the one that reassembles batches in input order);
// `emit` is called from the shard threads, one call at a time, in batch order.
#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "engine/correlation_engine.h"

namespace auditstream {

class CorrelationShards {
 public:
  using Emit = std::function<void(std::vector<Alert>&&)>;

  CorrelationShards(std::shared_ptr<const CorrelationSet> correlations, CorrelationOptions options, std::size_t shards,
                    Emit emit);
  ~CorrelationShards();
  CorrelationShards(const CorrelationShards&) = delete;
  CorrelationShards& operator=(const CorrelationShards&) = delete;

  // One batch: its stateless alerts (emitted first), the latest event time per partition seen in it,
  // and its signals. Blocks while the shards' queues are full (back-pressure, never a drop).
  void submit(std::vector<Alert> stateless, std::vector<std::pair<std::uint32_t, EventTime>> clocks,
              std::vector<Signal> signals);
  // End of input: every window closed, every alert emitted, the threads stopped.
  void finish();
  // Summed over shards; valid after finish().
  CorrelationCounters counters() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace auditstream
