// AlertRouter: fans each alert out to the sinks whose route matches it (rule ids, minimum level), with
// throttling per route, rule, cluster and group key — so an exec storm pages once per window instead of
// 10,000 times. Throttled alerts are counted and the next alert that passes carries how many were folded
// into it (`folded`). The router's ack fires once every durable sink the alert went to has answered
// (failed if any durable sink failed, else rejected if any refused it); best-effort sinks never hold it
// back. An alert whose id was routed recently (the stages of one request yield the same alert; a
// message read twice does too) is folded: counted, acknowledged at once, sent nowhere — the last 2^20
// ids are remembered, by 64-bit hash. The router also knows how long its oldest alert has waited for the durable sinks,
// and whether every durable sink is delivering (health()).
//
// route() may be called from several threads at once (each partition worker routes its own alerts): the
// throttle state and the recent ids are sharded by alert key (rule, cluster, group key), one lock per
// shard, so alerts of one key see one throttle and workers rarely wait for each other. Acks come from the
// sinks' threads; health() and oldestUnacknowledged() from any thread. Sinks must accept concurrent
// submit() calls.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "sinks/alert_sink.h"

namespace auditstream {

struct AlertRoute {
  std::string sink;                        // AlertSink::name()
  std::vector<std::string> rules;          // rule ids; empty: every rule
  std::string minLevel = "informational";  // informational < low < medium < high < critical
  std::chrono::nanoseconds throttle{0};    // event time between alerts of one rule + group key; 0: off
};

struct AlertRouterStats {
  std::atomic<std::uint64_t> routed{0};     // alerts in
  std::atomic<std::uint64_t> submitted{0};  // alert × sink handed over
  std::atomic<std::uint64_t> throttled{0};  // alert × sink folded into a later alert
  std::atomic<std::uint64_t> unrouted{0};   // alerts no route took
  std::atomic<std::uint64_t> failed{0};     // alerts a durable sink did not deliver before it stopped
  std::atomic<std::uint64_t> rejected{0};   // alerts a durable sink's destination refused for good
  std::atomic<std::uint64_t> repeats{0};    // alerts folded: their id was routed recently
};

class AlertRouter {
 public:
  // Errors: invalidArgument for a route naming an unknown sink or level. No routes: every sink gets
  // every alert, unthrottled.
  static Result<std::unique_ptr<AlertRouter>> create(std::vector<std::shared_ptr<AlertSink>> sinks,
                                                     std::vector<AlertRoute> routes);

  void route(Alert alert, AckCallback ack);
  // Flushes every sink; true when all acked within `timeout`.
  bool flush(std::chrono::milliseconds timeout);
  const AlertRouterStats& stats() const { return shared_->stats; }
  // The durable sinks' health, combined: delivering only when all are, saturated when any is; the
  // problems joined with "; ".
  SinkHealth health() const;
  // How long the oldest alert still waiting for a durable sink's acknowledgement has waited (0: none).
  std::chrono::steady_clock::duration oldestUnacknowledged() const;

 private:
  struct Throttle {
    std::int64_t openUntil = 0;  // event time (ns) until which alerts of the key are folded
    std::uint64_t folded = 0;
  };
  struct CompiledRoute {
    AlertRoute route;
    std::shared_ptr<AlertSink> sink;
    int minLevel = 0;
  };
  // The state of the alert keys whose hash falls in it.
  struct Shard {
    std::mutex mutex;
    std::vector<std::unordered_map<std::string, Throttle>> throttles;  // per route
    std::unordered_set<std::uint64_t> recentIds;                       // hashes of the ids routed lately
    std::uint64_t sincePrune = 0;
  };
  static constexpr std::size_t kShards = 16;
  AlertRouter() = default;

  std::vector<std::shared_ptr<AlertSink>> sinks_;
  // What the acks touch, shared with them: a sink may still acknowledge while it is being destroyed.
  struct Shared {
    AlertRouterStats stats;
    // Alerts waiting for durable acknowledgements, by route() sequence: the first is the oldest.
    std::mutex mutex;
    std::map<std::uint64_t, std::chrono::steady_clock::time_point> unacknowledged;
    std::uint64_t sequence = 0;
  };
  std::vector<CompiledRoute> routes_;
  std::array<Shard, kShards> shards_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

// 0 (informational) to 4 (critical); -1 for an unknown level.
int levelRank(std::string_view level);

}  // namespace auditstream
