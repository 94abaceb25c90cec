#include "traffic/traffic_schedule.h"

#include <algorithm>

namespace auditstream {

TrafficSchedule::TrafficSchedule(ScheduleOptions options, std::int64_t startNanos)
    : options_(std::move(options)),
      background_(options_.clusters, options_.seed),
      attacks_(options_.seed ^ 0xa77ac4ULL),
      startNanos_(startNanos),
      random_(options_.seed ^ 0x5c4ed01eULL) {}

std::vector<StampedEvent> TrafficSchedule::history() {
  std::vector<StampedEvent> out;
  const std::int64_t span = static_cast<std::int64_t>(options_.historyMinutes) * 60 * 1'000'000'000;
  if (span <= 0) return out;
  for (std::size_t cluster = 0; cluster < clusters().size(); ++cluster) {
    for (std::size_t human = 0; human < clusters()[cluster].humans.size(); ++human) {
      for (int i = 0; i < options_.historyRequestsPerPerson; ++i) {
        const std::int64_t nanos =
            startNanos_ - span + static_cast<std::int64_t>(random_.below(static_cast<std::size_t>(span - kStepNanos)));
        out.push_back({nanos, background_.humanEvent(cluster, human, nanos), false});
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const StampedEvent& a, const StampedEvent& b) { return a.nanos < b.nanos; });
  return out;
}

std::vector<StampedEvent> TrafficSchedule::nextStep(std::vector<ScenarioInstance>& injected) {
  const std::int64_t begin = stepStartNanos();
  const std::int64_t end = begin + kStepNanos;
  const double seconds = static_cast<double>(kStepNanos) / 1e9;
  std::vector<StampedEvent> out;

  machineDebt_ += options_.machineEventsPerSecond * seconds;
  const auto machine = static_cast<std::size_t>(machineDebt_);
  machineDebt_ -= static_cast<double>(machine);
  out.reserve(machine + 8);
  for (std::size_t i = 0; i < machine; ++i) {
    const std::int64_t nanos = begin + static_cast<std::int64_t>(i) * kStepNanos / static_cast<std::int64_t>(machine);
    out.push_back({nanos, background_.machineEvent(nanos), false});
  }

  std::size_t people = 0;
  for (const ClusterProfile& cluster : clusters()) people += cluster.humans.size();
  humanDebt_ += options_.humanRequestsPerSecond * static_cast<double>(people) * seconds;
  for (; humanDebt_ >= 1 && people > 0; humanDebt_ -= 1) {
    const std::size_t cluster = random_.below(clusters().size());
    if (clusters()[cluster].humans.empty()) continue;
    const std::size_t human = random_.below(clusters()[cluster].humans.size());
    const std::int64_t nanos = begin + static_cast<std::int64_t>(random_.below(kStepNanos));
    out.push_back({nanos, background_.humanEvent(cluster, human, nanos), false});
  }

  if (options_.attackEverySeconds > 0) {
    const auto every = static_cast<std::int64_t>(options_.attackEverySeconds * 1e9);
    const std::int64_t first = startNanos_ + static_cast<std::int64_t>(options_.attackStartSeconds * 1e9);
    while (first + static_cast<std::int64_t>(instances_) * every < end) {
      const std::int64_t at = std::max(begin, first + static_cast<std::int64_t>(instances_) * every);
      const std::size_t scenario = instances_ % AttackScenarios::count();
      // Clusters rotate once per full cycle of scenarios, so every scenario visits every cluster.
      const std::size_t cluster = (instances_ / AttackScenarios::count() + instances_) % clusters().size();
      const ClusterProfile& profile = clusters()[cluster];
      const std::string_view victim =
          profile.humans.empty() ? "nobody" : std::string_view(profile.humans[instances_ % profile.humans.size()]);
      ScenarioInstance instance = attacks_.make(scenario, instances_, cluster, victim, at);
      for (std::size_t i = 0; i < instance.events.size(); ++i) {
        pendingAttack_.push_back({instance.eventNanos[i], instance.events[i], true});
      }
      injected.push_back(std::move(instance));
      ++instances_;
    }
    std::stable_sort(pendingAttack_.begin(), pendingAttack_.end(),
                     [](const StampedEvent& a, const StampedEvent& b) { return a.nanos < b.nanos; });
    const auto due = std::find_if(pendingAttack_.begin(), pendingAttack_.end(),
                                  [end](const StampedEvent& e) { return e.nanos >= end; });
    for (auto it = pendingAttack_.begin(); it != due; ++it) out.push_back(std::move(*it));
    pendingAttack_.erase(pendingAttack_.begin(), due);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const StampedEvent& a, const StampedEvent& b) { return a.nanos < b.nanos; });
  ++steps_;
  return out;
}

}  // namespace auditstream
