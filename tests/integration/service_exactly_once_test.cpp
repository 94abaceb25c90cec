// delivery: exactly_once on the real broker (issue 16). The attack corpus — stateless attacks and every
// bundled correlation — is produced in 21 slices; while the member consumes each of the first 20, it is
// killed with SIGKILL at a random moment (a transaction commits every 100 ms, so the kills land in the
// middle of transactions: alerts, signals and checkpoints written, offsets not yet committed) and
// restarted. Read with read_committed, the alerts topic then holds every alert id `replay` gives for the
// corpus exactly once, and nothing else.
// - The same run with at_least_once shows copies: the test can fail.
// - Two members without static membership, so that every kill and restart moves partitions and
//   correlation tasks between them (rebalances mid-stream), the same.
// - A zombie: a member stopped (SIGSTOP) past its session timeout while the other takes its partitions,
//   then resumed mid-transaction, has its commit refused (KIP-447: its group generation is gone), aborts,
//   rewinds and rejoins — and the alerts are still each there once.
#include <signal.h>

#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <thread>

#include "tests/integration/group_fixture.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

using namespace service_it;  // NOLINT(google-build-using-namespace): the harness of these tests

constexpr int kSignalsPartitions = 4;
constexpr std::size_t kSlices = 21;
constexpr std::size_t kKills = 20;

class ExactlyOnce : public GroupFixture {
 protected:
  // A member whose transactional id (and, with `staticMember`, group instance id) stays the same across
  // its restarts, as in a StatefulSet.
  // `transactions` and `kafka` are more settings of those sections (YAML flow-map entries: "key: value, ").
  Member& startDeliveringMember(const std::string& delivery, bool staticMember, const std::string& transactions = "",
                                const std::string& kafka = "") {
    const std::string name = run_ + "-m" + std::to_string(members_.size() + 1);
    return startMember(
        kSignalsPartitions,
        "delivery: " + delivery + "\ntransactions: {" + transactions + "transactional_id: " + name + "}\n",
        (staticMember ? ", group.instance.id: " + name : "") + kafka);
  }

  void waitSettled() {
    ASSERT_TRUE(testing::waitUntil([&] { return settled(kSignalsPartitions); }, std::chrono::seconds(120),
                                   std::chrono::milliseconds(200)))
        << logs();
  }

  // The corpus in kSlices slices; after each of the first `kills`, `victim(i)` is killed with SIGKILL a
  // random 50–600 ms into its consumption of the slice and restarted, and the group settles again.
  void produceKillingThroughout(std::size_t kills, const std::function<Member&(std::size_t)>& victim) {
    std::mt19937 random(16);  // the same kill moments on every run
    std::uniform_int_distribution<int> delayMs(50, 600);
    for (std::size_t slice = 0; slice < kSlices; ++slice) {
      produceShare(static_cast<double>(slice) / kSlices, static_cast<double>(slice + 1) / kSlices);
      if (slice >= kills) continue;
      std::this_thread::sleep_for(std::chrono::milliseconds(delayMs(random)));
      Member& member = victim(slice);
      stopMember(member, SIGKILL);
      restartMember(member);
      ASSERT_NO_FATAL_FAILURE(waitSettled());
    }
  }

  // Each alert id → how many times it is on the alerts topic (read_committed).
  static std::map<std::string, int> countIds(const std::vector<ReceivedAlert>& alerts) {
    std::map<std::string, int> counts;
    for (const ReceivedAlert& alert : alerts) ++counts[alert.id];
    return counts;
  }
};

TEST_F(ExactlyOnce, AMemberKilledTwentyTimesMidTransactionWritesEveryAlertOnce) {
  Member& member = startDeliveringMember("exactly_once", true);
  ASSERT_NO_FATAL_FAILURE(waitSettled());
  ASSERT_TRUE(testing::waitUntil(
      [&] { return metricValue(member.port, R"(auditstream_transactions_total{outcome="committed"})") > 0; },
      std::chrono::seconds(30), std::chrono::milliseconds(100)))
      << "no transaction committed: " << logs();
  ASSERT_NO_FATAL_FAILURE(produceKillingThroughout(kKills, [&](std::size_t) -> Member& { return member; }));
  expectReplayAlerts(collectAndStop(), true);
}

// The control: at-least-once under the same kills repeats alerts (and loses none).
TEST_F(ExactlyOnce, AtLeastOnceUnderTheSameKillsRepeatsAlerts) {
  Member& member = startDeliveringMember("at_least_once", true);
  ASSERT_NO_FATAL_FAILURE(waitSettled());
  ASSERT_NO_FATAL_FAILURE(produceKillingThroughout(kKills, [&](std::size_t) -> Member& { return member; }));
  const std::vector<ReceivedAlert> alerts = collectAndStop();
  expectReplayAlerts(alerts, false);
  int repeated = 0;
  for (const auto& [id, count] : countIds(alerts)) repeated += count > 1 ? 1 : 0;
  EXPECT_GT(repeated, 0) << "at_least_once wrote no alert twice in " << kKills << " kills";
  RecordProperty("repeated_alert_ids", repeated);
}

// Two members; each kill (of the one and the other in turn) expels it from the group after the session
// timeout and its restart joins again: partitions and correlation tasks move twice per kill.
TEST_F(ExactlyOnce, TwoMembersKilledInTurnWithRebalancesWriteEveryAlertOnce) {
  startDeliveringMember("exactly_once", false);
  startDeliveringMember("exactly_once", false);
  ASSERT_NO_FATAL_FAILURE(waitSettled());
  ASSERT_NO_FATAL_FAILURE(
      produceKillingThroughout(kKills, [&](std::size_t kill) -> Member& { return members_[kill % members_.size()]; }));
  expectReplayAlerts(collectAndStop(), true);
}

TEST_F(ExactlyOnce, AZombieMemberIsFencedAbortsAndRejoins) {
  // Commits every 3 s (a transaction may stay open 30 s): a slice produced just after one of its commits
  // is consumed and still uncommitted when it is frozen, whatever the machine's speed. With 100 ms, a
  // freeze after the member caught up finds its transaction empty: nothing to refuse.
  Member& zombie = startDeliveringMember("exactly_once", false, "interval: 3s, ", ", transaction.timeout.ms: 30000");
  startDeliveringMember("exactly_once", false);
  ASSERT_NO_FATAL_FAILURE(waitSettled());
  produceShare(0, 0.5);
  const auto committed = [&] {
    return metricValue(zombie.port, R"(auditstream_transactions_total{outcome="committed"})");
  };
  // Right after a commit of the zombie's, a slice; once the zombie has taken some of it and has not
  // committed since, it is frozen. A commit in between (a slow machine) tries the next slice.
  constexpr int kSlicesToTry = 5;
  bool frozenHoldingInput = false;
  double produced = 0.5;
  for (int attempt = 0; attempt < kSlicesToTry && !frozenHoldingInput; ++attempt) {
    const double before = committed();
    ASSERT_TRUE(testing::waitUntil([&] { return committed() > before; }, std::chrono::seconds(30),
                                   std::chrono::milliseconds(20)))
        << "the zombie committed no transaction: " << logs();
    const double commits = committed();
    const double events = metricValue(zombie.port, "auditstream_events_total");
    produceShare(produced, produced + 0.05);
    produced += 0.05;
    const bool took = testing::waitUntil([&] { return metricValue(zombie.port, "auditstream_events_total") > events; },
                                         std::chrono::seconds(2), std::chrono::milliseconds(20));
    if (!took || committed() != commits) continue;
    // Frozen past the 6 s session timeout, within its transaction's timeout: the other member takes
    // over its partitions and tasks, and its open transaction is still its own when it wakes.
    ASSERT_EQ(kill(zombie.pid, SIGSTOP), 0);
    frozenHoldingInput = true;
  }
  ASSERT_TRUE(frozenHoldingInput) << "the zombie committed within 2 s of every slice's production: " << logs();
  std::this_thread::sleep_for(std::chrono::seconds(8));
  produceShare(produced, 0.875);
  ASSERT_EQ(kill(zombie.pid, SIGCONT), 0);
  ASSERT_TRUE(testing::waitUntil([&] { return fileText(zombie.log).find("transaction aborted") != std::string::npos; },
                                 std::chrono::seconds(60), std::chrono::milliseconds(200)))
      << "the zombie's transaction was not refused: " << logs();
  ASSERT_NO_FATAL_FAILURE(waitSettled());  // it rejoined
  produceShare(0.875, 1.0);
  expectReplayAlerts(collectAndStop(), true);
}

}  // namespace
}  // namespace auditstream
