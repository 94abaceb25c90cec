// DeadLetterProducer never gives up on a dead letter the broker could take later: a failed delivery is
// re-sent with backoff and `done` (which lets the rejected message's offset commit) runs only once the
// broker has it. A record the broker can never take is counted, and settles, so its partition goes on.
#include "consumer/dead_letter_producer.h"

#include <atomic>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <string>

#include "sinks/kafka_client.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

class MockCluster {
 public:
  MockCluster() {
    handle_ =
        makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"test.mock.num.brokers", "1"}, {"log_level", "0"}}).value();
    mock_ = rd_kafka_handle_mock_cluster(handle_.get());
    rd_kafka_mock_topic_create(mock_, "audit.dead-letter", 1, 1);
  }
  rd_kafka_mock_cluster_t* mock() const { return mock_; }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(mock_); }

 private:
  KafkaClientPtr handle_;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
};

constexpr std::int16_t kProduce = 0;  // the Kafka protocol ApiKey (not in librdkafka's public headers)
const Rejection kNotJson{RejectReason::kNotJson, "not JSON at byte 0"};

TEST(DeadLetterProducer, AFailedDeliveryIsResentAndSettlesOnlyOnceTheBrokerHasIt) {
  MockCluster cluster;
  auto producer =
      DeadLetterProducer::create({{"bootstrap.servers", cluster.bootstrap()}, {"log_level", "0"}}, "audit.dead-letter")
          .value();
  // The broker refuses the first three produce requests (an ACL not yet granted, say), then accepts.
  rd_kafka_mock_push_request_errors(cluster.mock(), kProduce, 3, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  std::atomic<int> done{0};
  producer->send("not json", {"audit.logs", 2, 41, "prod-eu"}, kNotJson, [&] { ++done; });
  ASSERT_TRUE(testing::waitUntil([&] { return done.load() > 0; }, std::chrono::seconds(30)));
  EXPECT_EQ(done.load(), 1);
  EXPECT_EQ(producer->delivered(), 1U) << "settled without the broker having the dead letter";
  EXPECT_EQ(producer->failed(), 0U);
  EXPECT_EQ(producer->retrying(), 0U);
  EXPECT_TRUE(producer->flush(std::chrono::seconds(5)));
}

TEST(DeadLetterProducer, WhileTheBrokerRefusesNothingSettlesAndFlushSaysSo) {
  MockCluster cluster;
  auto producer =
      DeadLetterProducer::create({{"bootstrap.servers", cluster.bootstrap()}, {"log_level", "0"}}, "audit.dead-letter")
          .value();
  for (int i = 0; i < 40; ++i) {
    rd_kafka_mock_push_request_errors(cluster.mock(), kProduce, 1, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  }
  std::atomic<int> done{0};
  producer->send("not json", {"audit.logs", 0, 7, "prod-eu"}, kNotJson, [&] { ++done; });
  ASSERT_TRUE(testing::waitUntil([&] { return producer->retrying() == 1; }, std::chrono::seconds(30)));
  EXPECT_FALSE(producer->flush(std::chrono::milliseconds(500))) << "a dead letter waits for its re-send";
  EXPECT_EQ(done.load(), 0);
  EXPECT_EQ(producer->failed(), 0U);
  producer.reset();  // stops without settling: the message's offset stays uncommitted
  EXPECT_EQ(done.load(), 0);
}

TEST(DeadLetterProducer, ARecordTheBrokerCanNeverTakeIsCountedAndSettles) {
  MockCluster cluster;
  auto producer =
      DeadLetterProducer::create({{"bootstrap.servers", cluster.bootstrap()}, {"log_level", "0"}}, "audit.dead-letter")
          .value();
  rd_kafka_mock_push_request_errors(cluster.mock(), kProduce, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  std::atomic<int> done{0};
  producer->send("not json", {"audit.logs", 1, 3, "prod-eu"}, kNotJson, [&] { ++done; });
  ASSERT_TRUE(testing::waitUntil([&] { return done.load() > 0; }, std::chrono::seconds(30)));
  EXPECT_EQ(producer->failed(), 1U);
  EXPECT_EQ(producer->delivered(), 0U);
}

}  // namespace
}  // namespace auditstream
