// Smoke test against the real broker started by the integration.kafka.start fixture: 10,000 keyed
// messages on a 6-partition topic, consumed by two members of one group (the second joins mid-stream,
// forcing a rebalance), each message exactly once; then committed offsets are where consumption resumes.
#include <gtest/gtest.h>
#include <map>
#include <set>

#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"
#include "tests/integration/kafka_test_consumer.h"
#include "tests/support/integration_servers.h"

namespace auditstream::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 6;
constexpr int kFirstBatch = 10'000;
constexpr int kSecondBatch = 1'000;

struct DeliveryCounts {
  int delivered = 0;
  int failed = 0;
  std::string firstError;
};

void onDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* counts = static_cast<DeliveryCounts*>(opaque);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++counts->delivered;
  } else if (counts->failed++ == 0) {
    counts->firstError = rd_kafka_err2str(message->err);
  }
}

// Produces values "m<first>".."m<first+count-1>" keyed "k<i>" (the default partitioner spreads keys).
Status produceNumbered(const std::string& bootstrap, const std::string& topic, int first, int count) {
  DeliveryCounts counts;
  ASSIGN_OR_RETURN(
      KafkaConfPtr conf,
      makeKafkaConf(
          {{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "5"}}));
  rd_kafka_conf_set_opaque(conf.get(), &counts);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), onDelivery);
  ASSIGN_OR_RETURN(KafkaClientPtr producer, makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf)));
  for (int i = first; i < first + count; ++i) {
    const std::string key = "k" + std::to_string(i);
    const std::string value = "m" + std::to_string(i);
    while (true) {
      KafkaErrorPtr produceError = produceCopy(producer.get(), topic, key, value);
      const rd_kafka_resp_err_t error =
          produceError ? rd_kafka_error_code(produceError.get()) : RD_KAFKA_RESP_ERR_NO_ERROR;
      if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(producer.get(), 50);  // back-pressure: let delivery reports drain the queue
        continue;
      }
      RETURN_IF_ERROR(kafkaError("produce", error));
      break;
    }
    rd_kafka_poll(producer.get(), 0);
  }
  RETURN_IF_ERROR(kafkaError("flush", rd_kafka_flush(producer.get(), 60'000)));
  if (counts.failed > 0)
    return internalError(std::to_string(counts.failed) + " deliveries failed: " + counts.firstError);
  if (counts.delivered != count) {
    return internalError("delivered " + std::to_string(counts.delivered) + " of " + std::to_string(count));
  }
  return Status::ok();
}

// Committed offset per partition for `group`, read with a fresh client that does not join the group.
Result<std::map<int, std::int64_t>> committedOffsets(const std::string& bootstrap, const std::string& group,
                                                     const std::string& topic) {
  ASSIGN_OR_RETURN(KafkaClientPtr reader,
                   makeKafkaClient(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap}, {"group.id", group}}));
  KafkaPartitionListPtr partitions(rd_kafka_topic_partition_list_new(kPartitions));
  for (int p = 0; p < kPartitions; ++p) rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), p);
  RETURN_IF_ERROR(kafkaError("committed", rd_kafka_committed(reader.get(), partitions.get(), 20'000)));
  std::map<int, std::int64_t> offsets;
  for (int i = 0; i < partitions->cnt; ++i) offsets[partitions->elems[i].partition] = partitions->elems[i].offset;
  return offsets;
}

Result<std::map<int, std::int64_t>> highWatermarks(const std::string& bootstrap, const std::string& topic) {
  ASSIGN_OR_RETURN(KafkaClientPtr reader, makeKafkaClient(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap}}));
  std::map<int, std::int64_t> offsets;
  for (int p = 0; p < kPartitions; ++p) {
    std::int64_t low = 0, high = 0;
    RETURN_IF_ERROR(kafkaError("watermarks",
                               rd_kafka_query_watermark_offsets(reader.get(), topic.c_str(), p, &low, &high, 20'000)));
    offsets[p] = high;
  }
  return offsets;
}

int valueIndex(const std::string& value) { return std::stoi(value.substr(1)); }

class KafkaSmoke : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bootstrap = kafkaBootstrap();
    ASSERT_TRUE(bootstrap) << bootstrap.status();
    bootstrap_ = *bootstrap;
    topic_ = uniqueName("smoke");
    group_ = uniqueName("smoke-group");
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap_}});
    ASSERT_TRUE(admin) << admin.status();
    const Status created = createTopic(admin->get(), {topic_, kPartitions, 1}, 30s);
    ASSERT_TRUE(created.isOk()) << created;
  }

  std::string bootstrap_;
  std::string topic_;
  std::string group_;
};

TEST_F(KafkaSmoke, TwoConsumersInOneGroupGetEachMessageExactlyOnceAndCommittedOffsetsResume) {
  ASSERT_TRUE(produceNumbered(bootstrap_, topic_, 0, kFirstBatch).isOk());
  auto before = highWatermarks(bootstrap_, topic_);
  ASSERT_TRUE(before) << before.status();
  std::int64_t total = 0;
  for (const auto& [partition, high] : *before) {
    EXPECT_GT(high, 0) << "keyed messages should reach every partition; partition " << partition << " is empty";
    total += high;
  }
  ASSERT_EQ(total, kFirstBatch);

  auto first = TestGroupConsumer::create(bootstrap_, group_);
  auto second = TestGroupConsumer::create(bootstrap_, group_);
  ASSERT_TRUE(first) << first.status();
  ASSERT_TRUE(second) << second.status();
  ASSERT_TRUE((*first)->subscribe(topic_).isOk());

  std::map<std::pair<int, std::int64_t>, int> seenAt;  // (partition, offset) → deliveries
  std::map<int, int> seenValues;                       // value index → deliveries
  std::map<int, std::int64_t> lastOffset;              // per partition, to check order
  int perConsumer[2] = {0, 0};
  auto record = [&](int consumer, const ReceivedMessage& message) {
    ++perConsumer[consumer];
    ++seenAt[{message.partition, message.offset}];
    ++seenValues[valueIndex(message.value)];
    EXPECT_EQ(message.key, "k" + message.value.substr(1));
    auto [it, inserted] = lastOffset.emplace(message.partition, message.offset);
    if (!inserted) {
      EXPECT_GT(message.offset, it->second) << "partition " << message.partition << " went backwards";
      it->second = message.offset;
    }
  };

  // The first member consumes alone for a while; the second then joins, forcing a rebalance mid-stream.
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (perConsumer[0] < 2'000 && std::chrono::steady_clock::now() < deadline) {
    if (auto message = (*first)->pollOnce(100ms)) record(0, *message);
  }
  ASSERT_GE(perConsumer[0], 2'000) << "the first consumer did not get going";
  ASSERT_TRUE((*second)->subscribe(topic_).isOk());
  while (static_cast<int>(seenValues.size()) < kFirstBatch && std::chrono::steady_clock::now() < deadline) {
    // One message per poll per member, so both make progress and the rebalance happens mid-stream.
    if (auto message = (*first)->pollOnce(10ms)) record(0, *message);
    if (auto message = (*second)->pollOnce(10ms)) record(1, *message);
  }
  ASSERT_EQ(static_cast<int>(seenValues.size()), kFirstBatch) << "not every message arrived before the deadline";
  EXPECT_GT(perConsumer[1], 0) << "the second member never received a partition";
  EXPECT_EQ((*first)->assignedPartitions() + (*second)->assignedPartitions(), kPartitions);
  EXPECT_EQ(perConsumer[0] + perConsumer[1], kFirstBatch) << "some message arrived more than once";
  for (const auto& [value, deliveries] : seenValues) ASSERT_EQ(deliveries, 1) << "m" << value;
  for (const auto& [where, deliveries] : seenAt) ASSERT_EQ(deliveries, 1) << where.first << "@" << where.second;

  ASSERT_TRUE((*first)->commit().isOk());
  ASSERT_TRUE((*second)->commit().isOk());
  EXPECT_TRUE((*first)->close().isOk());
  EXPECT_TRUE((*second)->close().isOk());
  EXPECT_TRUE((*first)->errors().empty()) << (*first)->errors().front();
  EXPECT_TRUE((*second)->errors().empty()) << (*second)->errors().front();

  // Committed offsets are exactly the end of what was consumed.
  auto committed = committedOffsets(bootstrap_, group_, topic_);
  ASSERT_TRUE(committed) << committed.status();
  EXPECT_EQ(*committed, *before);

  // A new member of the same group resumes there: it sees only the second batch, each message once,
  // each partition starting at the committed offset.
  ASSERT_TRUE(produceNumbered(bootstrap_, topic_, kFirstBatch, kSecondBatch).isOk());
  auto third = TestGroupConsumer::create(bootstrap_, group_);
  ASSERT_TRUE(third) << third.status();
  ASSERT_TRUE((*third)->subscribe(topic_).isOk());
  std::set<int> resumedValues;
  std::map<int, std::int64_t> firstResumedOffset;
  const auto resumeDeadline = std::chrono::steady_clock::now() + 60s;
  while (static_cast<int>(resumedValues.size()) < kSecondBatch && std::chrono::steady_clock::now() < resumeDeadline) {
    auto message = (*third)->pollOnce(100ms);
    if (!message) continue;
    const int index = valueIndex(message->value);
    ASSERT_GE(index, kFirstBatch) << "re-delivered an already committed message: " << message->value;
    ASSERT_TRUE(resumedValues.insert(index).second) << "duplicate " << message->value;
    firstResumedOffset.emplace(message->partition, message->offset);
  }
  EXPECT_EQ(static_cast<int>(resumedValues.size()), kSecondBatch);
  for (const auto& [partition, offset] : firstResumedOffset) {
    EXPECT_EQ(offset, before->at(partition)) << "partition " << partition << " did not resume at its commit";
  }
  EXPECT_TRUE((*third)->close().isOk());
}

}  // namespace
}  // namespace auditstream::testing
