#include "sinks/alert_router.h"

#include <algorithm>
#include <array>

namespace auditstream {
namespace {

constexpr std::uint64_t kPruneEvery = 4096;
constexpr std::size_t kRecentIds = std::size_t{1} << 20U;  // over all shards

// The router's ack, shared by the durable sinks an alert went to; fires when the last one answers.
struct Fanout {
  std::atomic<int> remaining{0};
  std::mutex mutex;  // outcome and detail: sinks answer from their own threads
  DeliveryOutcome outcome = DeliveryOutcome::kDelivered;
  std::string detail;  // the worst answer's
  AckCallback ack;
};

// Failed (not delivered) outranks rejected (refused for good), which outranks delivered.
int severity(DeliveryOutcome outcome) {
  switch (outcome) {
    case DeliveryOutcome::kFailed: return 2;
    case DeliveryOutcome::kRejected: return 1;
    default: return 0;
  }
}

}  // namespace

int levelRank(std::string_view level) {
  static constexpr std::array<std::string_view, 5> kLevels = {"informational", "low", "medium", "high", "critical"};
  const auto found = std::find(kLevels.begin(), kLevels.end(), level);
  return found == kLevels.end() ? -1 : static_cast<int>(found - kLevels.begin());
}

Result<std::unique_ptr<AlertRouter>> AlertRouter::create(std::vector<std::shared_ptr<AlertSink>> sinks,
                                                         std::vector<AlertRoute> routes) {
  auto router = std::unique_ptr<AlertRouter>(new AlertRouter());
  if (routes.empty()) {
    for (const auto& sink : sinks) routes.push_back({std::string(sink->name()), {}, "informational", {}});
  }
  for (AlertRoute& route : routes) {
    const auto sink = std::find_if(sinks.begin(), sinks.end(), [&](const auto& s) { return s->name() == route.sink; });
    if (sink == sinks.end()) return invalidArgument("route names sink '" + route.sink + "', which is not configured");
    const int rank = levelRank(route.minLevel);
    if (rank < 0) return invalidArgument("route level '" + route.minLevel + "' is not a Sigma level");
    router->routes_.push_back({std::move(route), *sink, rank});
  }
  for (Shard& shard : router->shards_) shard.throttles.resize(router->routes_.size());
  router->sinks_ = std::move(sinks);
  return router;
}

void AlertRouter::route(Alert alert, AckCallback ack) {
  // An alert id determines its rule, cluster and group key: a repeat lands in the shard of its first copy.
  std::string throttleKey = alert.rule->id + '\x1f' + alert.cluster;
  for (const auto& [field, value] : alert.groupBy) (throttleKey += '\x1f') += value;
  Shard& shard = shards_[std::hash<std::string>{}(throttleKey) % kShards];
  std::unique_lock shardLock(shard.mutex);
  if (!shard.recentIds.insert(std::hash<std::string>{}(alert.id)).second) {
    shardLock.unlock();
    ++shared_->stats.repeats;
    ack(Delivery{});
    return;
  }
  if (shard.recentIds.size() > kRecentIds / kShards) shard.recentIds.clear();
  ++shared_->stats.routed;
  const std::int64_t time = alert.lastEventTime.nanosSinceEpoch;
  const int rank = levelRank(alert.rule->level);

  auto fanout = std::make_shared<Fanout>();
  fanout->ack = std::move(ack);
  std::vector<std::pair<AlertSink*, std::shared_ptr<const Alert>>> deliveries;
  const auto shared = std::make_shared<const Alert>(std::move(alert));
  bool matched = false;
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    const CompiledRoute& route = routes_[r];
    if (rank < route.minLevel) continue;
    if (!route.route.rules.empty() &&
        std::find(route.route.rules.begin(), route.route.rules.end(), shared->rule->id) == route.route.rules.end()) {
      continue;
    }
    matched = true;
    std::shared_ptr<const Alert> forSink = shared;
    if (route.route.throttle.count() > 0) {
      Throttle& throttle = shard.throttles[r][throttleKey];
      if (time < throttle.openUntil) {
        ++throttle.folded;
        ++shared_->stats.throttled;
        continue;
      }
      if (throttle.folded > 0) {
        auto copy = std::make_shared<Alert>(*shared);
        copy->folded = throttle.folded;
        forSink = std::move(copy);
      }
      throttle = {time + route.route.throttle.count(), 0};
    }
    deliveries.emplace_back(route.sink.get(), std::move(forSink));
  }
  if (!matched) ++shared_->stats.unrouted;
  if (++shard.sincePrune >= kPruneEvery / kShards) {  // bounded state: forget windows that have closed
    shard.sincePrune = 0;
    for (auto& throttles : shard.throttles) {
      std::erase_if(throttles, [&](const auto& entry) { return entry.second.openUntil < time; });
    }
  }
  shardLock.unlock();  // the submits below may block (a full queue) and may acknowledge at once
  int durable = 0;
  for (const auto& [sink, forSink] : deliveries) durable += sink->durable() ? 1 : 0;
  fanout->remaining = durable + 1;  // +1 until every submit below has been made
  std::uint64_t sequence = 0;
  if (durable > 0) {
    std::lock_guard lock(shared_->mutex);
    sequence = ++shared_->sequence;
    shared_->unacknowledged.emplace(sequence, std::chrono::steady_clock::now());
  }
  const auto settle = [shared = shared_, sequence](const std::shared_ptr<Fanout>& state) {
    if (--state->remaining != 0) return;
    if (sequence != 0) {
      std::lock_guard lock(shared->mutex);
      shared->unacknowledged.erase(sequence);
    }
    if (state->outcome == DeliveryOutcome::kFailed) ++shared->stats.failed;
    if (state->outcome == DeliveryOutcome::kRejected) ++shared->stats.rejected;
    state->ack(Delivery{state->outcome, state->detail});
  };
  for (auto& [sink, forSink] : deliveries) {
    ++shared_->stats.submitted;
    if (!sink->durable()) {
      sink->submit(std::move(forSink), [](const Delivery&) {});
      continue;
    }
    sink->submit(std::move(forSink), [fanout, settle](const Delivery& delivery) {
      {
        std::lock_guard lock(fanout->mutex);
        if (severity(delivery.outcome) > severity(fanout->outcome)) {
          fanout->outcome = delivery.outcome;
          fanout->detail = delivery.detail;
        }
      }
      settle(fanout);
    });
  }
  settle(fanout);
}

SinkHealth AlertRouter::health() const {
  SinkHealth combined;
  for (const auto& sink : sinks_) {
    if (!sink->durable()) continue;
    const SinkHealth health = sink->health();
    combined.delivering = combined.delivering && health.delivering;
    combined.saturated = combined.saturated || health.saturated;
    if (!health.problem.empty()) {
      if (!combined.problem.empty()) combined.problem += "; ";
      combined.problem += health.problem;
    }
  }
  return combined;
}

std::chrono::steady_clock::duration AlertRouter::oldestUnacknowledged() const {
  std::lock_guard lock(shared_->mutex);
  if (shared_->unacknowledged.empty()) return {};
  return std::chrono::steady_clock::now() - shared_->unacknowledged.begin()->second;
}

bool AlertRouter::flush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool all = true;
  for (const auto& sink : sinks_) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    all = sink->flush(std::max(left, std::chrono::milliseconds(0))) && all;
  }
  return all;
}

}  // namespace auditstream
