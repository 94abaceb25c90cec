#include "consumer/offset_tracker.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

TEST(PartitionOffsets, CommitsOnlyTheContiguousDonePrefix) {
  PartitionOffsets offsets;
  for (std::int64_t offset = 10; offset < 15; ++offset) offsets.started(offset);
  EXPECT_FALSE(offsets.committable());  // all at the workers
  offsets.applied(10, true);
  offsets.applied(11, true);
  offsets.applied(12, true);
  offsets.done(12);  // 10 and 11 still have effects pending: nothing may be committed
  EXPECT_FALSE(offsets.committable());
  offsets.done(10);
  EXPECT_EQ(offsets.committable(), 11);
  offsets.done(11);  // 10..12 done
  EXPECT_EQ(offsets.committable(), 13);
  offsets.committed(13);
  EXPECT_FALSE(offsets.committable());
  EXPECT_EQ(offsets.inFlight(), 2U);  // 13 and 14 at the workers
  offsets.applied(13, false);         // no effects: done when applied
  EXPECT_EQ(offsets.committable(), 14);
  offsets.applied(14, true);
  EXPECT_EQ(offsets.inFlight(), 1U);
  offsets.done(14);
  EXPECT_EQ(offsets.committable(), 15);
  EXPECT_EQ(offsets.inFlight(), 0U);
}

TEST(PartitionOffsets, MessagesStillAtTheWorkersHoldTheCommitBack) {
  PartitionOffsets offsets;
  offsets.started(0);
  offsets.started(1);
  offsets.started(2);
  offsets.applied(0, false);
  EXPECT_EQ(offsets.committable(), 1);  // 1 and 2 not back yet
  offsets.applied(1, false);
  offsets.applied(2, false);
  EXPECT_EQ(offsets.committable(), 3);
}

TEST(PartitionOffsets, EffectsDoneBeforeTheOutcomeIsAppliedAreNotLost) {
  PartitionOffsets offsets;
  offsets.started(7);
  offsets.started(8);
  offsets.done(8);  // the worker's dead letter was delivered before the consumer thread applied 8
  offsets.applied(7, false);
  offsets.applied(8, true);
  EXPECT_EQ(offsets.committable(), 9);
  EXPECT_EQ(offsets.inFlight(), 0U);
}

TEST(PartitionOffsets, GapsFromCompactionOrFilteringDoNotBlock) {
  PartitionOffsets offsets;
  offsets.started(5);
  offsets.started(9);  // 6..8 were never delivered (compacted, transaction markers)
  offsets.applied(5, true);
  offsets.applied(9, false);
  EXPECT_FALSE(offsets.committable());
  offsets.done(5);
  EXPECT_EQ(offsets.committable(), 10);
  offsets.done(42);  // unknown: ignored
  EXPECT_EQ(offsets.committable(), 10);
}

TEST(OffsetTracker, PerPartitionAndForgetsRevokedPartitions) {
  OffsetTracker tracker;
  const OffsetTracker::Key a = 0;
  const OffsetTracker::Key b = 1;
  tracker.started(a, 0);
  tracker.started(b, 100);
  tracker.started(b, 101);
  tracker.applied(b, 100, true);
  tracker.applied(b, 101, false);
  tracker.applied(a, 0, false);
  auto committable = tracker.committable();
  ASSERT_EQ(committable.size(), 1U);
  EXPECT_EQ(committable[0].first, a);
  EXPECT_EQ(committable[0].second, 1);
  tracker.committed(a, 1);
  tracker.revoke(b);
  tracker.done(b, 100);            // a late ack after the revoke changes nothing
  tracker.applied(b, 102, false);  // nor a late outcome
  EXPECT_TRUE(tracker.committable().empty());
  EXPECT_EQ(tracker.inFlight(), 0U);
}

}  // namespace
}  // namespace auditstream
