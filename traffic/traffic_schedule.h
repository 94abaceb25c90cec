// TrafficSchedule: the load generator's timeline. Time advances in 10 ms steps; each step carries the
// machine events due at the offered rate, the people's kubectl requests (a fixed pace per person,
// whatever the rate), and the events of attack scenarios whose start falls in the step — one instance
// every `attackEvery`, cycling through the scenarios and the clusters. Events inside a step are spread
// evenly in time and returned in time order. Before the first step, `history()` gives the people's
// earlier requests (spread over the preceding `historyMinutes`) so that first_seen correlations have
// finished learning when the attacks start.
//
// The caller decides what a step's time means: wall-clock time (paced runs) or a virtual clock (files,
// as-fast-as-possible runs). Deterministic for a seed and a step sequence.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "traffic/attack_scenarios.h"
#include "traffic/background_traffic.h"

namespace auditstream {

struct ScheduleOptions {
  std::vector<ClusterProfile> clusters;
  std::uint64_t seed = 1;
  double machineEventsPerSecond = 10'000;
  double humanRequestsPerSecond = 0.3;  // per person
  double attackEverySeconds = 2;        // 0: no attacks
  double attackStartSeconds = 5;        // after the first step
  int historyMinutes = 65;
  int historyRequestsPerPerson = 40;
};

struct StampedEvent {
  std::int64_t nanos = 0;
  GeneratedEvent event;
  bool attack = false;
};

class TrafficSchedule {
 public:
  static constexpr std::int64_t kStepNanos = 10'000'000;

  TrafficSchedule(ScheduleOptions options, std::int64_t startNanos);

  const std::vector<ClusterProfile>& clusters() const { return background_.clusters(); }
  // The people's earlier requests, oldest first (call once, before the first step).
  std::vector<StampedEvent> history();
  // The next step's events; `injected` receives the scenario instances that started in it.
  std::vector<StampedEvent> nextStep(std::vector<ScenarioInstance>& injected);
  std::int64_t stepStartNanos() const { return startNanos_ + steps_ * kStepNanos; }
  // At the end of a run: the events of injected scenarios not yet due (so every instance in the ground
  // truth is complete), in time order.
  std::vector<StampedEvent> takeRemainingAttacks() { return std::exchange(pendingAttack_, {}); }

 private:
  ScheduleOptions options_;
  BackgroundTraffic background_;
  AttackScenarios attacks_;
  std::int64_t startNanos_;
  std::int64_t steps_ = 0;
  double machineDebt_ = 0;
  double humanDebt_ = 0;
  std::uint64_t instances_ = 0;
  std::vector<StampedEvent> pendingAttack_;  // attack events not yet due, in time order
  SplitMix random_;
};

}  // namespace auditstream
