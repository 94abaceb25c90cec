#include "consumer/correlation_commit_gate.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

std::vector<std::shared_ptr<MessageEffects>> messages(DoneOffsets& done, std::initializer_list<std::int64_t> offsets) {
  std::vector<std::shared_ptr<MessageEffects>> out;
  for (std::int64_t offset : offsets) out.push_back(std::make_shared<MessageEffects>(0, offset, done));
  return out;
}

std::vector<std::int64_t> doneOffsets(DoneOffsets& done) {
  std::vector<std::int64_t> out;
  for (const auto& [slot, offset] : done.take()) out.push_back(offset);
  return out;
}

TEST(CorrelationCommitGate, MessagesSettleOnlyOnceTheirRoundsAlertsAreAcknowledged) {
  DoneOffsets done;
  CorrelationCommitGate gate;
  const auto round = gate.open(2);
  gate.release(round, messages(done, {1, 2}));
  EXPECT_TRUE(doneOffsets(done).empty());
  gate.acknowledge(round);
  EXPECT_TRUE(doneOffsets(done).empty());
  gate.acknowledge(round);
  EXPECT_EQ(doneOffsets(done), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(gate.openRounds(), 0U);
}

TEST(CorrelationCommitGate, ALaterRoundWaitsForEveryEarlierOne) {
  // A message released in round 2 may have fed an alert that fired in round 1: it waits for round 1.
  DoneOffsets done;
  CorrelationCommitGate gate;
  const auto first = gate.open(1);
  gate.release(first, messages(done, {1}));
  const auto second = gate.open(0);
  gate.release(second, messages(done, {2}));
  EXPECT_TRUE(doneOffsets(done).empty());
  EXPECT_EQ(gate.openRounds(), 2U);
  gate.acknowledge(first);
  EXPECT_EQ(doneOffsets(done), (std::vector<std::int64_t>{1, 2}));
}

TEST(CorrelationCommitGate, ARoundWithoutAlertsSettlesAtRelease) {
  DoneOffsets done;
  CorrelationCommitGate gate;
  const auto round = gate.open(0);
  gate.release(round, messages(done, {7}));
  EXPECT_EQ(doneOffsets(done), (std::vector<std::int64_t>{7}));
}

TEST(CorrelationCommitGate, AnAcknowledgementBeforeReleaseIsKept) {
  // Synchronous sinks acknowledge inside route(), before the round's messages are released.
  DoneOffsets done;
  CorrelationCommitGate gate;
  const auto round = gate.open(1);
  gate.acknowledge(round);
  EXPECT_EQ(gate.openRounds(), 1U);
  gate.release(round, messages(done, {3}));
  EXPECT_EQ(doneOffsets(done), (std::vector<std::int64_t>{3}));
}

// An aborted transaction: the open rounds are dropped without settling anything (their messages are
// read again), a late acknowledgement of one is ignored, and the gate goes on with new rounds.
TEST(CorrelationCommitGate, ForgetAllDropsTheOpenRoundsAndIgnoresTheirLateAcknowledgements) {
  DoneOffsets done;
  CorrelationCommitGate gate;
  const auto old = gate.open(1);
  gate.release(old, messages(done, {1}));
  gate.forgetAll();
  EXPECT_EQ(gate.openRounds(), 0U);
  gate.acknowledge(old);  // served after the abort
  EXPECT_TRUE(doneOffsets(done).empty());
  const auto fresh = gate.open(0);
  gate.release(fresh, messages(done, {2}));
  EXPECT_EQ(doneOffsets(done), (std::vector<std::int64_t>{2}));
}

// A message whose outputs went with an aborted transaction settles too late to count: a new epoch
// ignores it (its offset is read again and must not be marked done by the old copy).
TEST(DoneOffsets, ASettleFromBeforeANewEpochIsIgnored) {
  DoneOffsets done;
  auto before = std::make_shared<MessageEffects>(0, 5, done);
  done.newEpoch();
  before->settle();
  EXPECT_TRUE(doneOffsets(done).empty());
  auto after = std::make_shared<MessageEffects>(0, 5, done);
  after->settle();
  EXPECT_EQ(doneOffsets(done), (std::vector<std::int64_t>{5}));
}

}  // namespace
}  // namespace auditstream
