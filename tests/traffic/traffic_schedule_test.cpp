#include "traffic/traffic_schedule.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <set>

#include "engine/envelope_decoder.h"

namespace auditstream {
namespace {

constexpr std::int64_t kStart = 1'772'359'200'000'000'000;  // 2026-03-01T10:00:00Z

ScheduleOptions options(std::uint64_t seed, double rate = 2'000) {
  ScheduleOptions result;
  result.seed = seed;
  result.machineEventsPerSecond = rate;
  result.attackStartSeconds = 0.5;
  result.attackEverySeconds = 0.5;
  result.historyRequestsPerPerson = 5;
  for (const char* name : {"prod-a", "prod-b"}) {
    result.clusters.push_back(ClusterProfile{name, 20, {"alice@corp.example", "bob@corp.example"}});
  }
  return result;
}

std::vector<StampedEvent> run(TrafficSchedule& schedule, int steps, std::vector<ScenarioInstance>& injected) {
  std::vector<StampedEvent> all = schedule.history();
  for (int i = 0; i < steps; ++i) {
    for (StampedEvent& event : schedule.nextStep(injected)) all.push_back(std::move(event));
  }
  return all;
}

TEST(TrafficSchedule, TheSameSeedGivesTheSameTrafficAndAnotherSeedDoesNot) {
  TrafficSchedule first(options(3), kStart);
  TrafficSchedule second(options(3), kStart);
  TrafficSchedule other(options(4), kStart);
  std::vector<ScenarioInstance> ignored;
  const auto a = run(first, 100, ignored);
  const auto b = run(second, 100, ignored);
  const auto c = run(other, 100, ignored);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i].event.json, b[i].event.json) << i;
  EXPECT_NE(a.front().event.json, c.front().event.json);
}

TEST(TrafficSchedule, EventsComeInTimeOrderAtTheOfferedRateAndEveryOneDecodes) {
  TrafficSchedule schedule(options(5, 5'000), kStart);
  std::vector<ScenarioInstance> injected;
  std::vector<StampedEvent> events;
  for (int i = 0; i < 200; ++i) {  // 2 s
    for (StampedEvent& event : schedule.nextStep(injected)) events.push_back(std::move(event));
  }
  EXPECT_TRUE(std::is_sorted(events.begin(), events.end(),
                             [](const StampedEvent& x, const StampedEvent& y) { return x.nanos < y.nanos; }));
  EXPECT_GE(events.front().nanos, kStart);
  EXPECT_LT(events.back().nanos, kStart + 2'000'000'000);
  std::size_t machine = 0;
  std::size_t bytes = 0;
  std::size_t smallest = SIZE_MAX;
  std::size_t largest = 0;
  std::set<std::string> auditIds;
  Result<EnvelopeDecoder> decoder = EnvelopeDecoder::create(EnvelopeOptions{});
  ASSERT_TRUE(decoder);
  for (const StampedEvent& stamped : events) {
    machine += stamped.attack ? 0 : 1;
    bytes += stamped.event.json.size();
    smallest = std::min(smallest, stamped.event.json.size());
    largest = std::max(largest, stamped.event.json.size());
    auditIds.insert(stamped.event.auditId);
    std::size_t decoded = 0;
    const DecodeOutcome outcome = decoder->decode(stamped.event.json, std::nullopt, [&](const AuditEvent& event) {
      ++decoded;
      EXPECT_EQ(event.time.nanosSinceEpoch / 1000, stamped.nanos / 1000) << stamped.event.json;
    });
    ASSERT_EQ(decoded, 1U) << stamped.event.json;
    ASSERT_TRUE(outcome.rejections.empty()) << stamped.event.json;
  }
  EXPECT_NEAR(static_cast<double>(machine), 10'000.0, 20.0);  // 5,000/s for 2 s, plus a few people
  EXPECT_EQ(auditIds.size(), events.size());                  // every audit ID unique
  // Sizes as real audit logs have them: Metadata reads ~0.6 KB up to pod creations with bodies ~3 KB.
  EXPECT_GE(smallest, 450U);
  EXPECT_LE(largest, 3'300U);
  const double mean = static_cast<double>(bytes) / static_cast<double>(events.size());
  EXPECT_GT(mean, 700.0);
  EXPECT_LT(mean, 1'600.0);
}

TEST(TrafficSchedule, EveryScenarioKindIsInjectedWithItsAuditIdsInItsEvents) {
  TrafficSchedule schedule(options(9), kStart);
  std::vector<ScenarioInstance> injected;
  auto events = run(schedule, 1'300, injected);  // 13 s: 25 instances, one every 0.5 s
  for (StampedEvent& event : schedule.takeRemainingAttacks()) events.push_back(std::move(event));
  std::set<std::string> kinds;
  std::set<std::string> emitted;
  for (const StampedEvent& event : events) {
    if (event.attack) emitted.insert(event.event.auditId);
  }
  for (const ScenarioInstance& instance : injected) {
    kinds.insert(instance.scenario);
    ASSERT_FALSE(instance.requiredAuditIds.empty()) << instance.scenario;
    for (const std::string& id : instance.requiredAuditIds)
      EXPECT_TRUE(emitted.count(id)) << instance.scenario << " " << id;
  }
  EXPECT_EQ(kinds.size(), AttackScenarios::count());
  EXPECT_EQ(AttackScenarios::count(), 24U);
  // Instances alternate clusters, so both clusters see attacks.
  EXPECT_NE(injected[0].cluster, injected[1].cluster);
}

TEST(TrafficSchedule, HistoryPrecedesTheStartAndCoversTheLearningHour) {
  TrafficSchedule schedule(options(2), kStart);
  const std::vector<StampedEvent> history = schedule.history();
  ASSERT_EQ(history.size(), 2U * 2U * 5U);  // clusters × people × requests
  EXPECT_LT(history.back().nanos, kStart);
  EXPECT_GE(history.front().nanos, kStart - std::int64_t{65} * 60 * 1'000'000'000);
  EXPECT_LT(history.front().nanos, kStart - std::int64_t{40} * 60 * 1'000'000'000);
}

}  // namespace
}  // namespace auditstream
