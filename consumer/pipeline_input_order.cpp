// The pipeline's input-order path (PipelineOptions::inputOrder: `replay`, a finite input whose result
// must not depend on timing or the worker count): outcomes are applied in the order the source gave the
// messages, and alerts and signals go to the correlation shards in fixed runs of messages.
#include "consumer/pipeline.h"

namespace auditstream {
namespace {

constexpr std::size_t kOrderedRun = 1024;  // messages per correlation-shard submission

}  // namespace

// Outcomes come back in each stream's order, streams interleaved as the workers finish: hold those that
// are early, apply the rest in the order the source gave the messages.
void Pipeline::applyInInputOrder(std::vector<MessageOutcome> outcomes) {
  for (MessageOutcome& outcome : outcomes) {
    if (early_.size() <= outcome.slot) early_.resize(outcome.slot + 1);
    early_[outcome.slot].push_back(std::move(outcome));
  }
  while (!pollOrder_.empty() && pollOrder_.front() < early_.size() && !early_[pollOrder_.front()].empty()) {
    std::deque<MessageOutcome>& waiting = early_[pollOrder_.front()];
    applyOrdered(waiting.front());
    waiting.pop_front();
    pollOrder_.pop_front();
  }
}

// A finite input commits nothing: a message is done once applied; its alerts and signals join the current
// run, and every kRun messages the run goes to the correlation shards (stateless alerts first, then what
// the run fired), so the output is the same for any worker count.
void Pipeline::applyOrdered(MessageOutcome& outcome) {
  tracker_.applied(outcome.slot, outcome.offset, false);
  if (outcome.effects) outcome.effects->settle();
  for (Alert& alert : outcome.alerts) run_.alerts.push_back(std::move(alert));
  for (Signal& signal : outcome.signals) run_.signals.push_back(std::move(signal));
  if (outcome.latestEventTime) {
    run_.latest = run_.latest ? std::max(*run_.latest, *outcome.latestEventTime) : *outcome.latestEventTime;
    run_.earliest = run_.earliest ? std::min(*run_.earliest, *outcome.latestEventTime) : *outcome.latestEventTime;
  }
  if (++run_.messages >= kOrderedRun) submitOrderedRun();
}

void Pipeline::submitOrderedRun() {
  if (run_.messages == 0) return;
  OrderedRun run = std::exchange(run_, {});
  if (!shards_) {
    for (Alert& alert : run.alerts) dispatch_.route(std::move(alert), [] {});
    return;
  }
  std::vector<std::pair<std::uint32_t, EventTime>> clocks;
  if (run.earliest) clocks.emplace_back(0, *run.earliest);  // the engine keeps the earliest (first_seen's learning)
  if (run.latest) clocks.emplace_back(0, *run.latest);
  shards_->submit(std::move(run.alerts), std::move(clocks), std::move(run.signals));
}

}  // namespace auditstream
