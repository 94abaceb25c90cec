#include "engine/correlation_shards.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "common/blocking_queue.h"
#include "common/thread_name.h"

namespace auditstream {
namespace {

struct Work {
  std::size_t sequence = 0;
  std::vector<std::pair<std::uint32_t, EventTime>> clocks;
  std::vector<Signal> signals;
  bool last = false;  // end of input: finish()
};

}  // namespace

struct CorrelationShards::State {
  std::shared_ptr<const CorrelationSet> set;
  Emit emit;
  std::vector<std::unique_ptr<CorrelationEngine>> engines;
  std::vector<std::unique_ptr<BlockingQueue<Work>>> queues;
  std::vector<std::thread> threads;
  std::vector<bool> onShardZero;  // per correlation: part of a chain
  std::size_t nextSubmit = 0;
  bool finished = false;

  // Reassembly: batch → (stateless alerts, shard results received, alerts per shard).
  std::mutex mutex;
  struct Pending {
    std::vector<Alert> stateless;
    std::vector<std::vector<Alert>> byShard;
    std::size_t received = 0;
  };
  std::map<std::size_t, Pending> pending;
  std::size_t nextEmit = 0;

  void deliver(std::size_t sequence, std::size_t shard, std::vector<Alert> alerts) {
    std::lock_guard lock(mutex);
    Pending& entry = pending[sequence];
    entry.byShard.resize(engines.size());
    entry.byShard[shard] = std::move(alerts);
    ++entry.received;
    flush();
  }

  // Emits every complete batch at the head, in order. Called with `mutex` held.
  void flush() {
    for (auto it = pending.find(nextEmit); it != pending.end() && it->second.received == engines.size();
         it = pending.find(nextEmit)) {
      std::vector<Alert> all = std::move(it->second.stateless);
      const std::size_t fromShards = all.size();
      for (auto& shardAlerts : it->second.byShard) {
        for (Alert& alert : shardAlerts) all.push_back(std::move(alert));
      }
      // One order whatever the shard count: by event time, then id.
      std::sort(all.begin() + static_cast<std::ptrdiff_t>(fromShards), all.end(), [](const Alert& a, const Alert& b) {
        return std::tie(a.lastEventTime, a.id) < std::tie(b.lastEventTime, b.id);
      });
      pending.erase(it);
      ++nextEmit;
      if (!all.empty()) emit(std::move(all));
    }
  }

  void run(std::size_t shard) {
    CorrelationEngine& engine = *engines[shard];
    while (std::optional<Work> work = queues[shard]->pop()) {
      for (const auto& [partition, time] : work->clocks) {
        engine.observe(partition, time);
        engine.observeStart(time);
      }
      for (Signal& signal : work->signals) engine.add(std::move(signal));
      deliver(work->sequence, shard, work->last ? engine.finish() : engine.advance());
      if (work->last) return;
    }
  }
};

CorrelationShards::CorrelationShards(std::shared_ptr<const CorrelationSet> correlations, CorrelationOptions options,
                                     std::size_t shards, Emit emit)
    : state_(std::make_unique<State>()) {
  State& state = *state_;
  state.set = std::move(correlations);
  state.emit = std::move(emit);
  state.onShardZero.assign(state.set->size(), false);
  for (std::uint32_t i = 0; i < state.set->size(); ++i) {
    for (const CorrelationInput& input : state.set->inputsOfCorrelation(i)) {
      state.onShardZero[i] = true;
      state.onShardZero[input.correlation] = true;
    }
  }
  for (std::size_t i = 0; i < std::max<std::size_t>(shards, 1); ++i) {
    state.engines.push_back(std::make_unique<CorrelationEngine>(state.set, options));
    state.queues.push_back(std::make_unique<BlockingQueue<Work>>(8));
  }
  for (std::size_t i = 0; i < state.engines.size(); ++i)
    state.threads.emplace_back([this, i] {
      nameThisThread("as-corr-shard-" + std::to_string(i));
      state_->run(i);
    });
}

CorrelationShards::~CorrelationShards() { finish(); }

void CorrelationShards::submit(std::vector<Alert> stateless, std::vector<std::pair<std::uint32_t, EventTime>> clocks,
                               std::vector<Signal> signals) {
  State& state = *state_;
  const std::size_t sequence = state.nextSubmit++;
  {
    std::lock_guard lock(state.mutex);
    state.pending[sequence].stateless = std::move(stateless);
  }
  std::vector<Work> work(state.engines.size());
  for (Work& item : work) {
    item.sequence = sequence;
    item.clocks = clocks;
  }
  for (Signal& signal : signals) {
    const std::size_t shard =
        state.onShardZero[signal.correlation] ? 0 : std::hash<std::string>{}(groupKeyOf(signal)) % state.engines.size();
    work[shard].signals.push_back(std::move(signal));
  }
  for (std::size_t i = 0; i < work.size(); ++i) state.queues[i]->push(std::move(work[i]));
}

void CorrelationShards::finish() {
  State& state = *state_;
  if (state.finished) return;
  state.finished = true;
  const std::size_t sequence = state.nextSubmit++;
  for (auto& queue : state.queues) queue->push(Work{sequence, {}, {}, true});
  for (std::thread& thread : state.threads) thread.join();
}

CorrelationCounters CorrelationShards::counters() const {
  CorrelationCounters total;
  for (const auto& engine : state_->engines) {
    const CorrelationCounters& c = engine->counters();
    total.signals += c.signals;
    total.late += c.late;
    total.duplicates += c.duplicates;
    total.evictions += c.evictions;
    total.fired += c.fired;
    total.suppressed += c.suppressed;
    total.liveKeys += c.liveKeys;
  }
  return total;
}

}  // namespace auditstream
