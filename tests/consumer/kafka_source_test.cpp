// KafkaSource with lanes: each lane gives the messages of its own partitions only (stream index % lanes),
// in offset order, never more than its room; a lane without room leaves its partitions' messages waiting
// in librdkafka, and every message comes exactly once.
#include "consumer/kafka_source.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <map>
#include <string>
#include <vector>

#include "sinks/kafka_client.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

constexpr int kPartitions = 4;
constexpr int kPerPartition = 2'000;
constexpr std::size_t kLanes = 2;

class CountingListener final : public SourceListener {
 public:
  void assigned(std::span<const StreamName* const> streams) override { assigned_ += streams.size(); }
  void revoking(std::span<const StreamName* const> /*streams*/) override {}
  std::size_t assignedCount() const { return assigned_; }

 private:
  std::size_t assigned_ = 0;
};

TEST(KafkaSourceLanes, EachLaneGivesItsOwnPartitionsInOrderWithinItsRoom) {
  KafkaClientPtr producer =
      makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"test.mock.num.brokers", "1"}, {"log_level", "0"}}).value();
  rd_kafka_mock_cluster_t* mock = rd_kafka_handle_mock_cluster(producer.get());
  const std::string topic = "audit.lanes";
  ASSERT_EQ(rd_kafka_mock_topic_create(mock, topic.c_str(), kPartitions, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_t* handle = rd_kafka_topic_new(producer.get(), topic.c_str(), nullptr);
  for (int sequence = 0; sequence < kPerPartition; ++sequence) {
    for (int partition = 0; partition < kPartitions; ++partition) {
      std::string payload = std::to_string(partition) + ":" + std::to_string(sequence);
      ASSERT_EQ(
          rd_kafka_produce(handle, partition, RD_KAFKA_MSG_F_COPY, payload.data(), payload.size(), nullptr, 0, nullptr),
          0);
    }
  }
  rd_kafka_topic_destroy(handle);
  ASSERT_EQ(rd_kafka_flush(producer.get(), 30'000), RD_KAFKA_RESP_ERR_NO_ERROR);

  ServiceConfig config;
  config.kafka = {
      {"bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mock)}, {"group.id", "lanes"}, {"log_level", "0"}};
  config.topics = {topic};
  auto subscribed = KafkaSource::subscribe(config);
  ASSERT_TRUE(subscribed.isOk()) << subscribed.status().message();
  std::unique_ptr<KafkaSource> source = std::move(subscribed).value();
  CountingListener listener;
  source->setListener(&listener);
  ASSERT_TRUE(source->splitIntoLanes(kLanes));
  ASSERT_FALSE(source->splitIntoLanes(kLanes)) << "lanes are set once";

  std::map<std::int32_t, int> next;  // per partition: the sequence number expected next
  std::vector<InputMessage> out;
  int received = 0;
  std::size_t round = 0;
  const bool all = testing::waitUntil(
      [&] {
        // Alternate: lane 0 alone (room 37), lane 1 alone (room 11), both (room 500 each).
        const std::size_t phase = round++ % 3;
        const std::vector<std::size_t> room = phase == 0   ? std::vector<std::size_t>{37, 0}
                                              : phase == 1 ? std::vector<std::size_t>{0, 11}
                                                           : std::vector<std::size_t>{500, 500};
        out.clear();
        source->pollLanes(out, room, std::chrono::milliseconds(20));
        std::vector<std::size_t> perLane(kLanes, 0);
        for (const InputMessage& message : out) {
          const std::size_t lane = message.stream->index % kLanes;
          ++perLane[lane];
          const std::string payload(message.payload);
          const std::size_t colon = payload.find(':');
          EXPECT_EQ(std::stoi(payload.substr(0, colon)), message.stream->partition);
          EXPECT_EQ(std::stoi(payload.substr(colon + 1)), next[message.stream->partition]++) << payload;
          ++received;
        }
        for (std::size_t lane = 0; lane < kLanes; ++lane) {
          EXPECT_LE(perLane[lane], room[lane]) << "lane " << lane << " in phase " << phase;
        }
        return received >= kPartitions * kPerPartition;
      },
      std::chrono::seconds(60));
  EXPECT_TRUE(all) << received << " of " << kPartitions * kPerPartition;
  EXPECT_EQ(listener.assignedCount(), static_cast<std::size_t>(kPartitions));
  for (int partition = 0; partition < kPartitions; ++partition) EXPECT_EQ(next[partition], kPerPartition);
  out.clear();
  source->pollLanes(out, std::vector<std::size_t>{500, 500}, std::chrono::milliseconds(200));
  EXPECT_TRUE(out.empty()) << "a message came twice";
  source->close();
}

}  // namespace
}  // namespace auditstream
