#include "consumer/correlation_thread.h"

#include <algorithm>
#include <gtest/gtest.h>

#include "config/rule_pack.h"

namespace auditstream {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kStart = 1'772'359'200 * kSecond;

class CorrelationThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pack_ = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
    ASSERT_TRUE(pack_.problems.empty());
    for (std::uint32_t i = 0; i < pack_.correlations->size(); ++i) {
      if (pack_.correlations->at(i).meta->id == "7a0c1e52-5f7d-4a39-9d41-000000000101") burst_ = i;  // 10 × 403
    }
    thread_ = std::make_unique<CorrelationThread>(std::make_unique<CorrelationEngine>(pack_.correlations, options_));
  }

  Signal denied(const std::string& user, int second, std::uint32_t partition = 0) {
    Signal signal;
    signal.correlation = burst_;
    signal.partition = partition;
    signal.time = EventTime{kStart + second * kSecond};
    signal.cluster = "c1";
    signal.groupBy = {{"user.username", user}};
    signal.auditId = user + "-" + std::to_string(second);
    return signal;
  }

  RulePack pack_;
  std::uint32_t burst_ = 0;
  CorrelationOptions options_;  // 5 s allowed lateness, no idle detection
  std::unique_ptr<CorrelationThread> thread_;
};

// Fired alerts come back with the applied-through time that covers them: a message whose signals are
// at or before it may be committed, because its alerts are in hand.
TEST_F(CorrelationThreadTest, AlertsComeBackWithTheAppliedTimeThatCoversThem) {
  for (int second = 0; second < 10; ++second) thread_->add(denied("mallory", second));
  auto fired = thread_->takeFiredAfterCatchingUp(std::chrono::seconds(5));
  EXPECT_TRUE(fired.alerts.empty());  // the watermark (newest − 5 s) has not passed the tenth yet
  EXPECT_LT(fired.appliedThrough, kStart + 9 * kSecond);
  thread_->observe(0, EventTime{kStart + 20 * kSecond});
  fired = thread_->takeFiredAfterCatchingUp(std::chrono::seconds(5));
  ASSERT_EQ(fired.alerts.size(), 1U);
  EXPECT_EQ(fired.alerts[0].rule->id, "7a0c1e52-5f7d-4a39-9d41-000000000101");
  EXPECT_EQ(fired.alerts[0].evidence.auditIds.size(), 10U);
  EXPECT_GE(fired.appliedThrough, kStart + 9 * kSecond);
  EXPECT_EQ(thread_->counters().signals, 10U);
  EXPECT_TRUE(thread_->takeFired().alerts.empty());  // handed out once
}

// Exactly-once commits a checkpoint with the alerts routed before it: it must reflect every one of them.
// The checkpoint comes after the advance of its batch — the burst it completes has fired, no signal is
// left buffered — so a task restored from it (buffered signals fed again, as from the signals topic)
// fires nothing again. Taken before that advance, it held the ten signals as buffered: fed again they
// fired the burst a second time.
TEST_F(CorrelationThreadTest, ACheckpointReflectsTheAlertsThatComeWithIt) {
  CorrelationOptions tracked = options_;
  tracked.trackChanges = true;
  CorrelationThread thread(std::make_unique<CorrelationEngine>(pack_.correlations, tracked));
  std::vector<Signal> signals;
  for (int second = 0; second < 10; ++second) {
    signals.push_back(denied("mallory", second));
    signals.back().origin = second;  // its signals-topic offset
    thread.add(signals.back());
  }
  thread.observe(0, EventTime{kStart + 20 * kSecond});  // the watermark passes the burst in this batch
  thread.checkpoint(1);
  CorrelationThread::Fired fired = thread.takeFiredAfterCatchingUp(std::chrono::seconds(5));
  ASSERT_EQ(fired.checkpoints.size(), 1U);
  ASSERT_EQ(fired.alerts.size(), 1U);
  const EngineCheckpoint& checkpoint = fired.checkpoints[0].second;
  EXPECT_TRUE(checkpoint.clocks.pendingOrigins.empty());
  CorrelationEngine restored(pack_.correlations, tracked);
  restored.restoreClocks(checkpoint.clocks);
  for (const KeyChange& change : checkpoint.keys) {
    if (change.state) {
      ASSERT_TRUE(restored.restoreKey(change.correlation, change.key, *change.state).isOk());
    }
  }
  for (const Signal& signal : signals) {
    if (std::binary_search(checkpoint.clocks.pendingOrigins.begin(), checkpoint.clocks.pendingOrigins.end(),
                           signal.origin)) {
      restored.add(signal);
    }
  }
  restored.observe(0, EventTime{kStart + 30 * kSecond});
  EXPECT_TRUE(restored.advance().empty()) << "the burst fired again after a restore from its own checkpoint";
}

// finish(): everything handed over is applied and every window closed, whatever the watermark.
TEST_F(CorrelationThreadTest, FinishAppliesEverythingHandedOver) {
  for (int second = 0; second < 10; ++second)
    thread_->add(denied("eve", second, static_cast<std::uint32_t>(second % 3)));
  const auto fired = thread_->finish();
  ASSERT_EQ(fired.alerts.size(), 1U);
  EXPECT_EQ(fired.alerts[0].groupBy.at(0).second, "eve");
}

// Many batches in flight: the consumer thread waits for room rather than queueing without bound, and
// the result is the same as one engine fed directly.
TEST_F(CorrelationThreadTest, ManyBatchesGiveTheSameAlertsAsTheEngineAlone) {
  CorrelationEngine direct(pack_.correlations, options_);
  std::size_t threadAlerts = 0;
  for (int user = 0; user < 3'000; ++user) {
    for (int second = 0; second < 10; ++second) {
      const std::string name = "u" + std::to_string(user);
      thread_->add(denied(name, user / 10 + second, static_cast<std::uint32_t>(user % 4)));
      direct.add(denied(name, user / 10 + second, static_cast<std::uint32_t>(user % 4)));
    }
    if (user % 500 == 0) threadAlerts += thread_->takeFired().alerts.size();
  }
  threadAlerts += thread_->finish().alerts.size();
  EXPECT_EQ(threadAlerts, direct.finish().size());
  EXPECT_EQ(threadAlerts, 3'000U);
}

}  // namespace
}  // namespace auditstream
