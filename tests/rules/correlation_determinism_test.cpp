// Determinism (ARCHITECTURE.md, Time and windows): the same events, split into two partitions, replayed
// with 1 or 2 matching processors, different batch sizes and different interleavings of the partitions
// (each partition's order kept, skew within the allowed lateness) give identical alert ids and counts.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>

#include "config/rule_pack.h"
#include "engine/correlation_engine.h"
#include "engine/event_processor.h"
#include "tests/rules/case_events.h"

namespace auditstream {
namespace {

namespace fs = std::filesystem;

using Message = CaseMessage;

// Interleaves the two partitions: each keeps its order; a message is delayed by up to `maxSkew`.
std::vector<Message> interleave(const std::vector<Message>& messages, unsigned seed, std::int64_t maxSkew) {
  std::mt19937_64 random(seed);
  std::vector<std::pair<std::int64_t, std::size_t>> keys;
  std::array<std::int64_t, 2> lastKey{std::numeric_limits<std::int64_t>::min(),
                                      std::numeric_limits<std::int64_t>::min()};
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::int64_t delay = static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(maxSkew));
    std::int64_t key = messages[i].time + delay;
    key = std::max(key, lastKey[messages[i].partition]);  // keep the partition's own order
    lastKey[messages[i].partition] = key;
    keys.emplace_back(key, i);
  }
  std::stable_sort(keys.begin(), keys.end());
  std::vector<Message> out;
  for (const auto& [key, index] : keys) out.push_back(messages[index]);
  return out;
}

using AlertSummary = std::vector<std::tuple<std::string, std::string, std::uint64_t>>;  // rule, id, count

AlertSummary run(const RulePack& pack, const std::vector<Message>& messages, std::size_t batchSize,
                 std::size_t processors) {
  std::vector<std::unique_ptr<EventProcessor>> workers;
  for (std::size_t i = 0; i < processors; ++i) {
    workers.push_back(EventProcessor::create(pack.rules, EnvelopeOptions{}, pack.correlations).value());
  }
  CorrelationEngine engine(pack.correlations, CorrelationOptions{});
  AlertSummary alerts;
  const auto collect = [&](const std::vector<Alert>& fired) {
    for (const Alert& alert : fired) alerts.emplace_back(alert.rule->id, alert.id, alert.count);
  };
  // Both partitions are assigned from the start.
  engine.observe(0, EventTime{messages.front().time});
  engine.observe(1, EventTime{messages.front().time});
  for (std::size_t start = 0, batch = 0; start < messages.size(); start += batchSize, ++batch) {
    EventProcessor& worker = *workers[batch % processors];
    for (std::size_t i = start; i < std::min(start + batchSize, messages.size()); ++i) {
      ProcessResult result =
          worker.process(messages[i].text, MessageContext{"c1", std::nullopt, std::nullopt, messages[i].partition});
      collect(result.alerts);
      engine.add(messages[i].partition, result.latestEventTime, std::move(result.signals));
    }
    collect(engine.advance());
  }
  collect(engine.finish());
  std::sort(alerts.begin(), alerts.end());
  return alerts;
}

TEST(CorrelationDeterminism, ThreadsBatchSizesAndInterleavingsGiveTheSameAlerts) {
  const RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  ASSERT_TRUE(pack.problems.empty());
  const std::vector<Message> ordered = allCaseEvents();
  ASSERT_GT(ordered.size(), 100U);
  const AlertSummary reference = run(pack, ordered, 1, 1);
  const auto correlationAlerts = std::count_if(reference.begin(), reference.end(), [](const auto& alert) {
    return std::get<0>(alert).starts_with("7a0c1e52-5f7d-4a39-9d41-0000000001");
  });
  EXPECT_GE(correlationAlerts, 9);  // every bundled correlation fires at least once on its case
  // 4 s: within the 5 s allowed lateness. 300 s: one partition far ahead — still the same alerts,
  // because the watermark follows the slowest partition. (Applying signals on arrival instead of at
  // the watermark makes this test fail.)
  for (const auto& [seed, skew] :
       {std::pair{1U, 4'000'000'000LL}, std::pair{2U, 4'000'000'000LL}, std::pair{3U, 300'000'000'000LL}}) {
    const std::vector<Message> shuffled = interleave(ordered, seed, skew);
    for (std::size_t batchSize : {1U, 7U, 100U}) {
      for (std::size_t processors : {1U, 2U}) {
        EXPECT_EQ(run(pack, shuffled, batchSize, processors), reference)
            << "seed " << seed << ", batch " << batchSize << ", processors " << processors;
      }
    }
  }
}

}  // namespace
}  // namespace auditstream

namespace auditstream {
namespace {

std::string personEvent(const char* auditId, int second, int code) {
  char time[32];
  std::snprintf(time, sizeof time, "2026-01-01T00:%02d:%02dZ", second / 60, second % 60);
  return std::string(R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":")") + auditId +
         R"(","stage":"ResponseComplete","verb":"get","user":{"username":"dave@corp.example"},)"
         R"("userAgent":"kubectl/v1.29.3","objectRef":{"resource":"deployments","namespace":"web","name":"api"},)"
         R"("responseStatus":{"code":)" +
         std::to_string(code) + R"(},"stageTimestamp":")" + time + R"("})";
}

// A busy identity repeats its one user agent: the first_seen history needs one signal per value and
// minute, not one per request. The alerting rule's signals are never held back.
TEST(FirstSeenHistory, RepeatsWithinAMinuteAreNotSentAgain) {
  const RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  ASSERT_TRUE(pack.problems.empty());
  std::uint32_t firstSeen = 0;
  for (std::uint32_t i = 0; i < pack.correlations->size(); ++i) {
    if (pack.correlations->at(i).spec.type == CorrelationType::kFirstSeen) firstSeen = i;
  }
  ASSERT_EQ(pack.correlations->at(firstSeen).spec.type, CorrelationType::kFirstSeen);
  auto processor = EventProcessor::create(pack.rules, EnvelopeOptions{}, pack.correlations).value();
  const MessageContext context{"c1", std::nullopt, std::nullopt, 0};
  const auto signalsOf = [&](const std::string& event) {
    const ProcessResult result = processor->process(event, context);
    EXPECT_TRUE(result.rejections.empty());
    std::pair<int, int> historyAndAlerting{0, 0};
    for (const Signal& signal : result.signals) {
      if (signal.correlation != firstSeen) continue;
      (signal.ruleOrdinal == 0 ? historyAndAlerting.first : historyAndAlerting.second) += 1;
    }
    return historyAndAlerting;
  };
  EXPECT_EQ(signalsOf(personEvent("a1", 0, 200)), std::make_pair(1, 0));
  EXPECT_EQ(signalsOf(personEvent("a2", 10, 200)), std::make_pair(0, 0));
  EXPECT_EQ(signalsOf(personEvent("a3", 40, 403)), std::make_pair(0, 1));  // denied: the alerting rule
  EXPECT_EQ(signalsOf(personEvent("a4", 59, 200)), std::make_pair(0, 0));
  EXPECT_EQ(signalsOf(personEvent("a5", 61, 200)), std::make_pair(1, 0));  // a minute on: refreshed
  EXPECT_EQ(signalsOf(personEvent("a6", 90, 200)), std::make_pair(0, 0));
}

}  // namespace
}  // namespace auditstream
