#include "consumer/offset_tracker.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

TEST(PartitionOffsets, CommitsOnlyTheContiguousDonePrefix) {
  PartitionOffsets offsets;
  for (std::int64_t offset = 10; offset < 15; ++offset) offsets.started(offset);
  EXPECT_FALSE(offsets.committable());
  offsets.done(12);  // 10 and 11 still running: nothing may be committed
  EXPECT_FALSE(offsets.committable());
  offsets.done(10);
  EXPECT_EQ(offsets.committable(), 11);
  offsets.done(11);  // 10..12 done
  EXPECT_EQ(offsets.committable(), 13);
  offsets.committed(13);
  EXPECT_FALSE(offsets.committable());
  EXPECT_EQ(offsets.inFlight(), 2U);
  offsets.done(14);
  offsets.done(13);
  EXPECT_EQ(offsets.committable(), 15);
  EXPECT_EQ(offsets.inFlight(), 0U);
}

TEST(PartitionOffsets, GapsFromCompactionOrFilteringDoNotBlock) {
  PartitionOffsets offsets;
  offsets.started(5);
  offsets.started(9);  // 6..8 were never delivered (compacted, transaction markers)
  offsets.done(9);
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
  tracker.done(b, 101);
  tracker.done(a, 0);
  auto committable = tracker.committable();
  ASSERT_EQ(committable.size(), 1U);
  EXPECT_EQ(committable[0].first, a);
  EXPECT_EQ(committable[0].second, 1);
  tracker.committed(a, 1);
  tracker.revoke(b);
  tracker.done(b, 100);  // a late ack after the revoke changes nothing
  EXPECT_TRUE(tracker.committable().empty());
  EXPECT_EQ(tracker.inFlight(), 0U);
}

}  // namespace
}  // namespace auditstream
