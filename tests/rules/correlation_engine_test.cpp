// CorrelationEngine semantics, one behaviour per test, on signals built by hand.
#include "engine/correlation_engine.h"

#include <gtest/gtest.h>

#include "common/manual_clock.h"
#include "config/sigma_rule_loader.h"
#include "engine/signal_record.h"

namespace auditstream {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
const std::string kBase =
    "title: base\nid: base\nname: base\nlogsource: {product: kubernetes, service: audit}\n"
    "detection: {sel: {verb: get}, condition: sel}\n---\n"
    "title: second\nid: second\nname: second\nlogsource: {product: kubernetes, service: audit}\n"
    "detection: {sel: {verb: list}, condition: sel}\n---\n";

class Correlations : public testing::Test {
 protected:
  void load(const std::string& correlation, CorrelationOptions options = {}) {
    RuleLoad load = loadSigmaRulesFromText(kBase + correlation, "c.yml");
    ASSERT_TRUE(load.problems.empty()) << load.problems[0].message();
    rules_ = RuleSet::create(std::move(load.rules), load.options).rules;
    auto build = CorrelationSet::create(std::move(load.correlations), *rules_, load.options);
    ASSERT_TRUE(build.problems.empty()) << build.problems[0].message();
    set_ = build.correlations;
    engine_ = std::make_unique<CorrelationEngine>(set_, options);
  }

  // A signal of the base rule at `ordinal` for `user` at second `at`.
  void signal(double at, std::string user, std::string auditId, std::string value = {}, std::uint32_t ordinal = 0,
              std::uint32_t partition = 0, std::uint64_t rank = 0) {
    Signal signal;
    signal.rank = rank;
    signal.correlation = 0;
    signal.ruleOrdinal = ordinal;
    signal.partition = partition;
    signal.time = EventTime{static_cast<std::int64_t>(at * kSecond)};
    signal.cluster = "c1";
    signal.groupBy = {{"user.username", std::move(user)}};
    signal.value = std::move(value);
    signal.auditId = std::move(auditId);
    engine_->add(std::move(signal));
  }

  std::vector<Alert> advance(double clock) {
    engine_->observe(0, EventTime{static_cast<std::int64_t>(clock * kSecond)});
    return engine_->advance();
  }

  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<const CorrelationSet> set_;
  std::unique_ptr<CorrelationEngine> engine_;
};

const std::string kCount3In60 =
    "title: three gets\nid: corr\ncorrelation: {type: event_count, rules: [base], group-by: [user.username], "
    "timespan: 60s, condition: {gte: 3}}\n";

TEST_F(Correlations, EventCountFiresWhenTheNthEventLandsInTheWindowThenSuppresses) {
  load(kCount3In60);
  signal(0, "u", "a1");
  signal(30, "u", "a2");
  signal(61, "u", "a3");  // a1 has left the window: 2 in [1, 61]
  EXPECT_TRUE(advance(200).empty());
  signal(70, "u", "a4");  // a2, a3, a4 in [10, 70]
  signal(75, "u", "a5");  // suppressed until 70 + 60
  const auto fired = advance(300);
  ASSERT_EQ(fired.size(), 1U);
  EXPECT_EQ(fired[0].count, 3U);
  EXPECT_EQ(fired[0].evidence.auditIds, (std::vector<std::string>{"a2", "a3", "a4"}));
  EXPECT_EQ(fired[0].groupBy, (std::vector<std::pair<std::string, std::string>>{{"user.username", "u"}}));
  EXPECT_EQ(fired[0].firstEventTime.nanosSinceEpoch, 30 * kSecond);
  EXPECT_EQ(engine_->counters().suppressed, 0U);  // a5 is a single event after the reset, not a re-fire
}

// A reload (carryOver) keeps the open windows of unchanged correlations — the burst completes across it —
// and drops the state of a changed one, saying which; nothing fires or closes because of the reload.
TEST_F(Correlations, AReloadKeepsTheWindowsOfUnchangedCorrelationsAndDropsChangedOnes) {
  const std::string lt =
      "---\ntitle: quiet\nid: quiet\ncorrelation: {type: event_count, rules: [base], "
      "group-by: [user.username], timespan: 60s, condition: {lt: 10}}\n";
  load(kCount3In60 + lt);
  signal(0, "u", "a1");
  signal(10, "u", "a2");
  Signal quiet;  // `quiet` opens a window for u too
  quiet.correlation = 1;
  quiet.time = EventTime{5 * kSecond};
  quiet.cluster = "c1";
  quiet.groupBy = {{"user.username", "u"}};
  quiet.auditId = "a1";
  engine_->add(std::move(quiet));
  EXPECT_TRUE(advance(20).empty());
  // The new rules: `corr` unchanged, `quiet` changed (lt: 5), and one more correlation.
  const std::string more =
      "---\ntitle: other\nid: other\ncorrelation: {type: event_count, rules: [second], "
      "group-by: [user.username], timespan: 60s, condition: {gte: 2}}\n";
  const std::string changed =
      "---\ntitle: quiet\nid: quiet\ncorrelation: {type: event_count, rules: [base], "
      "group-by: [user.username], timespan: 60s, condition: {lt: 5}}\n";
  RuleLoad reloaded = loadSigmaRulesFromText(kBase + more.substr(4) + "---\n" + kCount3In60 + changed, "c.yml");
  ASSERT_TRUE(reloaded.problems.empty()) << reloaded.problems[0].message();
  auto rules = RuleSet::create(std::move(reloaded.rules), reloaded.options).rules;
  auto next = CorrelationSet::create(std::move(reloaded.correlations), *rules, reloaded.options).correlations;
  ASSERT_EQ(next->at(1).meta->id, "corr");  // another number than before
  CorrelationEngine::CarriedOver carried = engine_->carryOver(next);
  EXPECT_EQ(carried.keptCorrelations, std::vector<std::string>{"corr"});
  EXPECT_EQ(carried.droppedCorrelations, std::vector<std::string>{"quiet"});
  EXPECT_EQ(carried.droppedKeys, (std::vector<std::pair<std::string, std::string>>{{"quiet", "c1\x1fu"}}));
  engine_ = std::move(carried.engine);
  EXPECT_EQ(engine_->counters().liveKeys, 1U);  // corr's u
  Signal third;
  third.correlation = 1;
  third.time = EventTime{30 * kSecond};
  third.cluster = "c1";
  third.groupBy = {{"user.username", "u"}};
  third.auditId = "a3";
  engine_->add(std::move(third));
  const auto fired = advance(200);
  ASSERT_EQ(fired.size(), 1U);  // `quiet` (lt, decided at close) lost its window: it does not fire either
  EXPECT_EQ(fired[0].rule->id, "corr");
  EXPECT_EQ(fired[0].evidence.auditIds, (std::vector<std::string>{"a1", "a2", "a3"}));
}

TEST_F(Correlations, StagesOfOneRequestCountOnce) {
  load(kCount3In60);
  signal(0, "u", "same");
  signal(0.1, "u", "same");
  signal(0.2, "u", "other");
  EXPECT_TRUE(advance(100).empty());
  EXPECT_EQ(engine_->counters().duplicates, 1U);
}

TEST_F(Correlations, SignalsWaitForTheWatermarkAndLateOnesAreCounted) {
  load(kCount3In60, CorrelationOptions{.allowedLatenessNanos = 5 * kSecond});
  signal(0, "u", "a1");
  signal(1, "u", "a2");
  signal(2, "u", "a3");
  EXPECT_TRUE(advance(6).empty());  // watermark 1 s: only a1, a2 applied
  EXPECT_EQ(advance(7.5).size(), 1U);
  signal(0.5, "v", "late");  // older than the watermark (2.5 s)
  EXPECT_EQ(engine_->counters().late, 1U);
}

TEST_F(Correlations, AnIdlePartitionStopsHoldingTheWatermarkBack) {
  ManualClock clock;
  load(kCount3In60, CorrelationOptions{
                        .allowedLatenessNanos = 5 * kSecond, .clock = &clock, .idleTimeout = std::chrono::seconds(30)});
  engine_->observe(1, EventTime{0});  // partition 1 is assigned but quiet
  signal(10, "u", "a1");
  signal(11, "u", "a2");
  signal(12, "u", "a3");
  EXPECT_TRUE(advance(100).empty());  // held back by partition 1's clock (0 s)
  clock.advance(std::chrono::seconds(31));
  engine_->observe(0, EventTime{100 * kSecond});  // partition 0 stays active
  EXPECT_EQ(engine_->advance().size(), 1U);
  EXPECT_EQ(engine_->counters().idlePartitions, 1U);
}

TEST_F(Correlations, WhenEveryPartitionIsIdleEverySignalSeenIsApplied) {
  ManualClock clock;
  load(kCount3In60, CorrelationOptions{
                        .allowedLatenessNanos = 5 * kSecond, .clock = &clock, .idleTimeout = std::chrono::seconds(30)});
  signal(10, "u", "a1");
  signal(11, "u", "a2");
  signal(12, "u", "a3");             // the stream's last event: nothing later moves the watermark
  EXPECT_TRUE(advance(12).empty());  // watermark 7 s: every signal waits for the lateness
  clock.advance(std::chrono::seconds(31));
  EXPECT_EQ(engine_->advance().size(), 1U);  // quiet for the idle timeout: applied
  EXPECT_EQ(engine_->counters().idlePartitions, 1U);
}

// A correlation task hears from a source's owner that the source went quiet: no wall clock needed.
TEST_F(Correlations, APartitionMarkedIdleStopsHoldingTheWatermarkBackUntilItSeesAnEvent) {
  load(kCount3In60, CorrelationOptions{.allowedLatenessNanos = 5 * kSecond});
  engine_->observe(1, EventTime{0});
  signal(10, "u", "a1");
  signal(11, "u", "a2");
  signal(12, "u", "a3");
  EXPECT_TRUE(advance(100).empty());  // held back by partition 1 (0 s)
  engine_->markIdle(1, EventTime{0});
  EXPECT_EQ(advance(100).size(), 1U);
  EXPECT_EQ(engine_->counters().idlePartitions, 1U);
  engine_->observe(1, EventTime{150 * kSecond});  // heard from again: holds the watermark at 145 s
  signal(160, "w", "b1");
  signal(161, "w", "b2");
  signal(162, "w", "b3");
  EXPECT_TRUE(advance(200).empty());
  EXPECT_EQ(engine_->counters().idlePartitions, 0U);
}

// Equal event times: the audit ID decides, before the source's rank and partition — it is the same on
// every member and in replay, whichever partition a shipper that keys by nothing put each event on.
TEST_F(Correlations, TiesOfEventTimeAreOrderedByAuditIdBeforeRankAndPartition) {
  load(
      "title: seq\nid: corr\ncorrelation: {type: temporal_ordered, rules: [base, second], "
      "group-by: [user.username], timespan: 60s}\n");
  std::string first = "id-a";
  std::string later = "id-b";
  if (stableHash(first) > stableHash(later)) std::swap(first, later);
  // x: base by audit ID first, though its rank and partition come after the second rule's signal.
  signal(5, "x", later, {}, 1, /*partition=*/0, /*rank=*/0);
  signal(5, "x", first, {}, 0, /*partition=*/1, /*rank=*/9);
  // y: the second rule's signal first by audit ID: no sequence.
  signal(5, "y", first, {}, 1, /*partition=*/1, /*rank=*/9);
  signal(5, "y", later, {}, 0, /*partition=*/0, /*rank=*/0);
  engine_->observe(1, EventTime{400 * kSecond});
  const auto fired = advance(400);
  ASSERT_EQ(fired.size(), 1U);
  EXPECT_EQ(fired[0].groupBy[0].second, "x");
}

TEST_F(Correlations, LessThanIsDecidedWhenTheWindowCloses) {
  load(
      "title: few\nid: corr\ncorrelation: {type: event_count, rules: [base], group-by: [user.username], "
      "timespan: 60s, condition: {lt: 3}}\n");
  signal(0, "quiet", "q1");
  signal(10, "busy", "b1");
  signal(20, "busy", "b2");
  signal(30, "busy", "b3");
  EXPECT_TRUE(advance(40).empty());  // windows still open
  const auto fired = advance(100);
  ASSERT_EQ(fired.size(), 1U);
  EXPECT_EQ(fired[0].groupBy[0].second, "quiet");
  EXPECT_EQ(fired[0].count, 1U);
}

TEST_F(Correlations, ValueCountCountsDistinctValues) {
  load(
      "title: spread\nid: corr\ncorrelation: {type: value_count, rules: [base], group-by: [user.username], "
      "timespan: 60s, condition: {field: objectRef.name, gte: 3}}\n");
  signal(0, "u", "a1", "x");
  signal(1, "u", "a2", "x");
  signal(2, "u", "a3", "y");
  EXPECT_TRUE(advance(100).empty());
  signal(110, "u", "a4", "z");
  signal(111, "u", "a5", "y");
  signal(112, "u", "a6", "w");
  const auto fired = advance(200);
  ASSERT_EQ(fired.size(), 1U);
  EXPECT_EQ(fired[0].count, 3U);
}

TEST_F(Correlations, TemporalOrderedNeedsTheOrderWithinTheTimespan) {
  load(
      "title: seq\nid: corr\ncorrelation: {type: temporal_ordered, rules: [base, second], "
      "group-by: [user.username], timespan: 60s}\n");
  signal(0, "reversed", "r1", {}, 1);
  signal(10, "reversed", "r2", {}, 0);
  signal(0, "slow", "s1", {}, 0);
  signal(100, "slow", "s2", {}, 1);
  signal(200, "good", "g1", {}, 0);
  signal(230, "good", "g2", {}, 1);
  const auto fired = advance(400);
  ASSERT_EQ(fired.size(), 1U);
  EXPECT_EQ(fired[0].groupBy[0].second, "good");
  EXPECT_EQ(fired[0].evidence.auditIds, (std::vector<std::string>{"g1", "g2"}));
}

TEST_F(Correlations, TemporalNeedsEveryRuleInAnyOrder) {
  load(
      "title: both\nid: corr\ncorrelation: {type: temporal, rules: [base, second], group-by: [user.username], "
      "timespan: 60s}\n");
  signal(0, "u", "a", {}, 1);
  signal(10, "u", "b", {}, 0);
  signal(20, "v", "c", {}, 0);
  const auto fired = advance(100);
  ASSERT_EQ(fired.size(), 1U);
  EXPECT_EQ(fired[0].groupBy[0].second, "u");
}

TEST_F(Correlations, FirstSeenAlertsOnNewValuesAfterLearning) {
  load(
      "title: new\nid: corr\ncorrelation: {type: first_seen, rules: [base], group-by: [user.username], "
      "field: userAgent, timespan: 1h, learning: 10m}\n");
  signal(0, "u", "a1", "kubectl");
  signal(60, "u", "a2", "curl");  // learning
  signal(700, "u", "a3", "kubectl");
  signal(710, "u", "a4", "python");
  signal(720, "u", "a5", "python");
  signal(4400, "u", "a6", "kubectl");  // last seen 700 s: forgotten after 1 h
  const auto fired = advance(9000);
  ASSERT_EQ(fired.size(), 2U);
  EXPECT_EQ(fired[0].evidence.auditIds, std::vector<std::string>{"a4"});
  EXPECT_EQ(fired[1].evidence.auditIds, std::vector<std::string>{"a6"});
}

// Learning starts where the stream did, not at the correlation's first signal: a correlation task that
// holds only some keys (signals partitioned by group key) hears of the stream's start from its sources'
// progress (observeStart) and decides like one engine that saw every key.
// Past max known values per key the least recently seen value is forgotten (counted): it is new again.
TEST_F(Correlations, FirstSeenForgetsTheLeastRecentlySeenValueBeyondTheCap) {
  CorrelationOptions options;
  options.maxKnownValuesPerKey = 2;
  load(
      "title: new\nid: corr\ncorrelation: {type: first_seen, rules: [base], group-by: [user.username], "
      "field: userAgent, timespan: 1h, learning: 10m}\n",
      options);
  signal(0, "u", "a1", "kubectl");
  signal(10, "u", "a2", "helm");
  signal(20, "u", "a3", "kubectl");  // kubectl seen last: helm is the least recently seen
  signal(30, "u", "a4", "argo");     // a third value: helm is forgotten
  signal(700, "u", "a5", "kubectl");
  signal(710, "u", "a6", "helm");  // new again
  const auto fired = advance(2000);
  ASSERT_EQ(fired.size(), 1U);
  EXPECT_EQ(fired[0].evidence.auditIds, std::vector<std::string>{"a6"});
  EXPECT_EQ(engine_->counters().knownValueEvictions, 2U);  // helm at 30 s, then argo at 710 s
}

TEST_F(Correlations, FirstSeenLearningStartsAtTheEarliestEventOfTheStream) {
  load(
      "title: new\nid: corr\ncorrelation: {type: first_seen, rules: [base], group-by: [user.username], "
      "field: userAgent, timespan: 1h, learning: 10m}\n");
  engine_->observeStart(EventTime{0});    // a source's first event, 1000 s before this task's first signal
  signal(1000, "mallory", "m1", "curl");  // a new identity with a new tool, well past the learning
  const auto fired = advance(2000);
  ASSERT_EQ(fired.size(), 1U);
  EXPECT_EQ(fired[0].evidence.auditIds, std::vector<std::string>{"m1"});
}

TEST_F(Correlations, KeysAreCappedLeastRecentlySeenFirst) {
  load(kCount3In60, CorrelationOptions{.maxKeysPerCorrelation = 2});
  signal(0, "a", "1");
  signal(1, "b", "2");
  signal(2, "a", "3");
  signal(3, "c", "4");  // evicts b
  signal(4, "a", "5");
  EXPECT_EQ(advance(100).size(), 1U);  // a kept its three events
  EXPECT_EQ(engine_->counters().evictions, 1U);
  EXPECT_EQ(engine_->counters().liveKeys, 2U);
}

TEST_F(Correlations, ARuleCanSetItsOwnKeyCap) {
  load(
      "title: capped\nid: corr\ncorrelation: {type: event_count, rules: [base], group-by: [user.username], "
      "timespan: 60s, condition: {gte: 3}, max_keys: 1}\n");
  signal(0, "a", "1");
  signal(1, "b", "2");
  advance(100);
  EXPECT_EQ(engine_->counters().evictions, 1U);
}

TEST_F(Correlations, ChainedCorrelationsFeedOnFires) {
  load(
      "title: inner\nid: inner\nname: inner\ncorrelation: {type: event_count, rules: [base], "
      "group-by: [user.username], timespan: 10s, condition: {gte: 2}}\n---\n"
      "title: outer\nid: outer\ncorrelation: {type: event_count, rules: [inner], group-by: [user.username], "
      "timespan: 300s, condition: {gte: 2}}\n");
  for (int burst = 0; burst < 2; ++burst) {
    signal(burst * 100, "u", "x" + std::to_string(burst));
    signal(burst * 100 + 1, "u", "y" + std::to_string(burst));
  }
  const auto fired = advance(1000);
  ASSERT_EQ(fired.size(), 3U);  // inner, inner, outer
  EXPECT_EQ(fired[2].rule->id, "outer");
}

// The problems of compiling `correlations` (YAML after the two base rules), as "c.yml:line:col: reason".
std::vector<std::string> problemsOf(const std::string& correlations) {
  RuleLoad load = loadSigmaRulesFromText(kBase + correlations, "c.yml");
  auto rules = RuleSet::create(std::move(load.rules), load.options).rules;
  std::vector<std::string> problems;
  for (const Status& problem : CorrelationSet::create(std::move(load.correlations), *rules, load.options).problems) {
    problems.push_back(problem.message());
  }
  return problems;
}

TEST(CorrelationSet, ReferencesAndConditionsAreChecked) {
  EXPECT_EQ(problemsOf("title: bad\nid: bad\ncorrelation: {type: value_count, rules: [base], timespan: 1m, "
                       "condition: {gte: 2}}\n"),
            std::vector<std::string>{"c.yml:15:14: value_count needs 'field' in its condition"});
  EXPECT_EQ(problemsOf("title: bad\nid: bad\ncorrelation: {type: event_count, rules: [nope], timespan: 1m, "
                       "condition: {gte: 2}}\n"),
            std::vector<std::string>{"c.yml:15:14: the correlation names rule 'nope', which is not loaded"});
  EXPECT_EQ(problemsOf("title: bad\nid: bad\ncorrelation: {type: temporal, rules: [base], timespan: 1m}\n"),
            std::vector<std::string>{"c.yml:15:14: temporal correlations need at least two rules"});
}

TEST(CorrelationSet, CyclesOfChainedCorrelationsAreRejected) {
  const std::string cycle = "c.yml:15:14: the correlation is part of a cycle of correlations naming each other";
  EXPECT_EQ(problemsOf("title: a\nid: a\ncorrelation: {type: event_count, rules: [base, b], timespan: 1m, "
                       "condition: {gte: 2}}\n---\ntitle: b\nid: b\ncorrelation: {type: event_count, rules: [a], "
                       "timespan: 1m, condition: {gte: 2}}\n"),
            (std::vector<std::string>{cycle,
                                      "c.yml:19:14: the correlation is part of a cycle of correlations naming "
                                      "each other"}));
}

}  // namespace
}  // namespace auditstream
