// `auditstream run` scaled out on the real broker (issue 14): 2 clusters × 6 partitions of generated
// traffic whose shipper keys by nothing, with one instance of every attack scenario the load generator
// knows — every bundled correlation among them (per-identity and per-address 403 bursts, denied secret
// reads, secret harvesting, discovery sweeps, permission probing, anonymous enumeration, RBAC change then
// workload, a stolen credential from a new tool) — split over the members. Correlation signals meet in
// their correlation task through the signals topic whichever member consumed them, so:
// - 1, 2 or 3 members over 1, 4 or 12 signals partitions raise exactly the alert ids `replay` gives for
//   the same events, once each, and every scenario is detected;
// - a member killed with SIGKILL while windows are open (and restarted), or a member joining while they
//   are open, loses none of them and adds none (the same ids may repeat: at-least-once).
#include <signal.h>

#include <gtest/gtest.h>

#include "tests/integration/group_fixture.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

using namespace service_it;  // NOLINT(google-build-using-namespace): the harness of these tests

class ScaleOut : public GroupFixture {
 protected:
  // `members` members over kSignalsPartitions settle, and consume the first half of the stream (windows
  // open across the cut).
  void consumeTheFirstHalf(int members) {
    for (int i = 0; i < members; ++i) startMember(kSignalsPartitions);
    ASSERT_TRUE(testing::waitUntil([&] { return settled(kSignalsPartitions); }, std::chrono::seconds(90),
                                   std::chrono::milliseconds(250)))
        << logs();
    produce(true, false);
    const double firstHalf = static_cast<double>(attackCorpus().half[0] + attackCorpus().half[1]);
    ASSERT_TRUE(testing::waitUntil([&] { return eventsConsumed() >= firstHalf; }, std::chrono::seconds(90),
                                   std::chrono::milliseconds(100)))
        << logs();
  }

  static constexpr int kSignalsPartitions = 4;  // the kill and join tests'
};

class ScaleOutDeterminism : public ScaleOut, public ::testing::WithParamInterface<std::pair<int, int>> {};

TEST_P(ScaleOutDeterminism, MembersAndSignalsPartitionsRaiseExactlyTheReplayAlerts) {
  const auto [members, signalsPartitions] = GetParam();
  for (int i = 0; i < members; ++i) startMember(signalsPartitions);
  ASSERT_TRUE(testing::waitUntil([&] { return settled(signalsPartitions); }, std::chrono::seconds(90),
                                 std::chrono::milliseconds(250)))
      << logs();
  produce(true, true);
  expectReplayAlerts(collectAndStop(), true);
}

INSTANTIATE_TEST_SUITE_P(Group, ScaleOutDeterminism,
                         ::testing::Values(std::pair{1, 1}, std::pair{2, 4}, std::pair{3, 12}), [](const auto& test) {
                           return std::to_string(test.param.first) + "Members" + std::to_string(test.param.second) +
                                  "SignalsPartitions";
                         });

// SIGKILL one of three members once the first half is consumed — its input partitions' uncommitted tail,
// its correlation tasks' windows open — then the second half, and the member restarted.
TEST_F(ScaleOut, AMemberKilledWithOpenWindowsLosesNoAlert) {
  ASSERT_NO_FATAL_FAILURE(consumeTheFirstHalf(3));
  stopMember(members_[1], SIGKILL);
  produce(false, true);
  startMember(kSignalsPartitions);
  expectReplayAlerts(collectAndStop(), false);
}

// Two members consume the first half; a third joins (an eager rebalance moves input partitions and
// correlation tasks while windows are open) before the second half.
TEST_F(ScaleOut, AMemberJoiningWithOpenWindowsLosesNoAlert) {
  ASSERT_NO_FATAL_FAILURE(consumeTheFirstHalf(2));
  startMember(kSignalsPartitions);
  produce(false, true);
  expectReplayAlerts(collectAndStop(), false);
}

}  // namespace
}  // namespace auditstream
