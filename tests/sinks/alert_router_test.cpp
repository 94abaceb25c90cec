#include "sinks/alert_router.h"

#include <gtest/gtest.h>
#include <thread>

#include "tests/sinks/fake_sink.h"

namespace auditstream {
namespace {

using testing::FakeSink;
constexpr std::int64_t kMinute = 60'000'000'000;

Alert alertOf(std::string rule, std::string level, std::string user, std::int64_t minute) {
  auto meta = std::make_shared<RuleMetadata>();
  meta->id = std::move(rule);
  meta->title = meta->id;
  meta->level = std::move(level);
  Alert alert;
  alert.id = meta->id + user + std::to_string(minute);
  alert.rule = meta;
  alert.cluster = "c1";
  alert.groupBy = {{"user.username", std::move(user)}};
  alert.firstEventTime = alert.lastEventTime = EventTime{minute * kMinute};
  return alert;
}

struct AckLog {
  std::vector<DeliveryOutcome> outcomes;
  AckCallback callback() {
    return [this](const Delivery& delivery) { outcomes.push_back(delivery.outcome); };
  }
};

TEST(AlertRouter, TheAckWaitsForEveryDurableSinkButNotForBestEffortOnes) {
  auto kafka = std::make_shared<FakeSink>("kafka", true);
  auto pager = std::make_shared<FakeSink>("alertmanager", false);
  auto router = AlertRouter::create({kafka, pager}, {}).value();
  kafka->cork();
  pager->cork();
  AckLog acks;
  router->route(alertOf("r", "high", "u", 0), acks.callback());
  EXPECT_TRUE(acks.outcomes.empty());
  kafka->uncork();
  ASSERT_EQ(acks.outcomes.size(), 1U);  // the best-effort pager is still corked
  EXPECT_EQ(acks.outcomes[0], DeliveryOutcome::kDelivered);
  EXPECT_EQ(pager->alerts().size(), 1U);
}

TEST(AlertRouter, ADurableFailureFailsTheAck) {
  auto kafka = std::make_shared<FakeSink>("kafka", true);
  kafka->failWith({DeliveryOutcome::kFailed, "broker gone"});
  auto router = AlertRouter::create({kafka}, {}).value();
  AckLog acks;
  router->route(alertOf("r", "high", "u", 0), acks.callback());
  ASSERT_EQ(acks.outcomes.size(), 1U);
  EXPECT_EQ(acks.outcomes[0], DeliveryOutcome::kFailed);
  EXPECT_EQ(router->stats().failed.load(), 1U);
}

TEST(AlertRouter, NotDeliveredOutranksRefusedWhichOutranksDelivered) {
  auto kafka = std::make_shared<FakeSink>("kafka", true);
  auto pager = std::make_shared<FakeSink>("alertmanager", true);
  auto router = AlertRouter::create({kafka, pager}, {}).value();
  AckLog acks;
  pager->failWith({DeliveryOutcome::kRejected, "400"});
  router->route(alertOf("r", "high", "u", 0), acks.callback());
  kafka->failWith({DeliveryOutcome::kFailed, "closed"});
  router->route(alertOf("r", "high", "u", 1), acks.callback());
  ASSERT_EQ(acks.outcomes.size(), 2U);
  EXPECT_EQ(acks.outcomes[0], DeliveryOutcome::kRejected);
  EXPECT_EQ(acks.outcomes[1], DeliveryOutcome::kFailed);
  EXPECT_EQ(router->stats().rejected.load(), 1U);
  EXPECT_EQ(router->stats().failed.load(), 1U);
}

TEST(AlertRouter, KnowsTheOldestUnacknowledgedAlertAndTheDurableSinksHealth) {
  auto kafka = std::make_shared<FakeSink>("kafka", true);
  auto pager = std::make_shared<FakeSink>("alertmanager", false);
  auto router = AlertRouter::create({kafka, pager}, {}).value();
  EXPECT_EQ(router->oldestUnacknowledged().count(), 0);
  kafka->cork();
  AckLog acks;
  router->route(alertOf("r", "high", "u", 0), acks.callback());
  EXPECT_GT(router->oldestUnacknowledged().count(), 0);
  kafka->uncork();
  EXPECT_EQ(router->oldestUnacknowledged().count(), 0);

  EXPECT_TRUE(router->health().delivering);
  pager->setHealth({false, false, "best-effort: not counted"});
  EXPECT_TRUE(router->health().delivering);
  kafka->setHealth({false, false, "topic gone"});
  EXPECT_FALSE(router->health().delivering);
  EXPECT_EQ(router->health().problem, "topic gone");
}

TEST(AlertRouter, ARepeatedIdIsFoldedAndAcknowledgedAtOnce) {
  auto kafka = std::make_shared<FakeSink>("kafka", true);
  auto router = AlertRouter::create({kafka}, {}).value();
  kafka->cork();
  AckLog acks;
  router->route(alertOf("r", "high", "u", 0), acks.callback());
  router->route(alertOf("r", "high", "u", 0), acks.callback());  // another stage of the same request
  EXPECT_EQ(kafka->alerts().size(), 1U);
  ASSERT_EQ(acks.outcomes.size(), 1U);  // the repeat: at once
  EXPECT_EQ(router->stats().repeats.load(), 1U);
  kafka->uncork();
  EXPECT_EQ(acks.outcomes.size(), 2U);
}

TEST(AlertRouter, RoutesByRuleAndLevel) {
  auto kafka = std::make_shared<FakeSink>("kafka", true);
  auto pager = std::make_shared<FakeSink>("alertmanager", false);
  auto router = AlertRouter::create({kafka, pager}, {{"kafka", {}, "informational", {}},
                                                     {"alertmanager", {}, "high", {}},
                                                     {"alertmanager", {"special"}, "low", {}}})
                    .value();
  AckLog acks;
  router->route(alertOf("r", "medium", "u", 0), acks.callback());
  router->route(alertOf("r", "critical", "u", 1), acks.callback());
  router->route(alertOf("special", "low", "u", 2), acks.callback());
  EXPECT_EQ(kafka->alerts().size(), 3U);
  EXPECT_EQ(pager->alerts().size(), 2U);
  EXPECT_EQ(acks.outcomes.size(), 3U);
  EXPECT_FALSE(AlertRouter::create({kafka}, {{"nope", {}, "low", {}}}));
}

TEST(AlertRouter, AStormPagesOncePerWindowAndTheNextAlertCarriesTheFoldedCount) {
  auto kafka = std::make_shared<FakeSink>("kafka", true);
  auto pager = std::make_shared<FakeSink>("alertmanager", false);
  auto router = AlertRouter::create({kafka, pager}, {{"kafka", {}, "informational", {}},
                                                     {"alertmanager", {}, "informational", std::chrono::minutes(10)}})
                    .value();
  AckLog acks;
  for (int i = 0; i < 1000; ++i) {
    Alert alert = alertOf("exec", "high", "mallory", i % 9);
    alert.id += "-" + std::to_string(i);  // distinct alerts (a repeated id is folded before throttling)
    router->route(std::move(alert), acks.callback());
  }
  router->route(alertOf("exec", "high", "bob", 1), acks.callback());       // another group key
  router->route(alertOf("exec", "high", "mallory", 10), acks.callback());  // the window has passed
  EXPECT_EQ(kafka->alerts().size(), 1002U);                                // the durable record keeps everything
  const auto paged = pager->alerts();
  ASSERT_EQ(paged.size(), 3U);
  EXPECT_EQ(paged[0]->folded, 0U);
  EXPECT_EQ(paged[2]->groupBy[0].second, "mallory");
  EXPECT_EQ(paged[2]->folded, 999U);
  EXPECT_EQ(router->stats().throttled.load(), 999U);
  EXPECT_EQ(acks.outcomes.size(), 1002U);
}

// Every partition worker routes its own alerts: concurrent route() calls see one throttle per key and
// fold a repeated id once, whichever threads the copies come from.
TEST(AlertRouter, WorkersRoutingAtOnceShareOneThrottlePerKeyAndFoldRepeatsOnce) {
  auto kafka = std::make_shared<FakeSink>("kafka", true);
  auto pager = std::make_shared<FakeSink>("alertmanager", false);
  auto router = AlertRouter::create({kafka, pager}, {{"kafka", {}, "informational", {}},
                                                     {"alertmanager", {}, "informational", std::chrono::hours(1)}})
                    .value();
  constexpr int kThreads = 4;
  constexpr int kUsers = 50;
  constexpr int kPerUser = 200;  // each thread routes every alert once: 3 of 4 copies are repeats
  std::atomic<int> acked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kUsers * kPerUser; ++i) {
        const int n = (i + t * 997) % (kUsers * kPerUser);  // the threads interleave differently
        Alert alert = alertOf("exec", "high", "user" + std::to_string(n % kUsers), 0);
        alert.id += "-" + std::to_string(n);
        router->route(std::move(alert), [&](const Delivery&) { ++acked; });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(acked.load(), kThreads * kUsers * kPerUser);
  EXPECT_EQ(router->stats().repeats.load(), std::uint64_t{(kThreads - 1) * kUsers * kPerUser});
  EXPECT_EQ(kafka->alerts().size(), std::size_t{kUsers * kPerUser});
  EXPECT_EQ(pager->alerts().size(), std::size_t{kUsers});  // one page per user in the window
  EXPECT_EQ(router->stats().throttled.load(), std::uint64_t{kUsers * (kPerUser - 1)});
}

}  // namespace
}  // namespace auditstream
