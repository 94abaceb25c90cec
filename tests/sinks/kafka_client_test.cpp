#include "sinks/kafka_client.h"

#include <gtest/gtest.h>

#include "sinks/kafka_admin.h"

namespace auditstream {
namespace {

using namespace std::chrono_literals;

TEST(MakeKafkaConf, NamesTheRejectedProperty) {
  const auto conf = makeKafkaConf({{"bootstrap.servers", "127.0.0.1:9"}, {"queued.max.messages.kbytes", "banana"}});
  ASSERT_FALSE(conf);
  EXPECT_EQ(conf.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(conf.status().message().rfind("kafka property 'queued.max.messages.kbytes' = 'banana': ", 0), 0U)
      << conf.status();
}

// A property that librdkafka refuses and whose name says it holds a credential (a misspelt one: a
// `_file` value is read into it) is named, its value is not.
TEST(MakeKafkaConf, ACredentialsValueIsNeverInTheError) {
  const auto conf = makeKafkaConf({{"sasl.passwrod.token", "hunter2"}});
  ASSERT_FALSE(conf);
  EXPECT_EQ(conf.status().message().rfind("kafka property 'sasl.passwrod.token' = '(not shown)': ", 0), 0U)
      << conf.status();
  EXPECT_EQ(conf.status().message().find("hunter2"), std::string::npos);
}

TEST(MakeKafkaConf, UnknownPropertyIsRejected) {
  const auto conf = makeKafkaConf({{"no.such.property", "1"}});
  ASSERT_FALSE(conf);
  EXPECT_NE(conf.status().message().find("no.such.property"), std::string::npos);
}

TEST(MakeKafkaClient, ConsumerWithoutGroupIsFine) {
  const auto client = makeKafkaClient(RD_KAFKA_CONSUMER, {{"bootstrap.servers", "127.0.0.1:9"}});
  ASSERT_TRUE(client) << client.status();
}

TEST(KafkaError, ClassifiesCodes) {
  EXPECT_TRUE(kafkaError("x", RD_KAFKA_RESP_ERR_NO_ERROR).isOk());
  EXPECT_EQ(kafkaError("commit", RD_KAFKA_RESP_ERR__TIMED_OUT).code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(kafkaError("fetch", RD_KAFKA_RESP_ERR__TRANSPORT).code(), StatusCode::kUnavailable);
  const Status unknownTopic = kafkaError("metadata", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  EXPECT_EQ(unknownTopic.code(), StatusCode::kNotFound);
  EXPECT_EQ(unknownTopic.message().rfind("metadata: ", 0), 0U);
  EXPECT_NE(unknownTopic.message().find("UNKNOWN_TOPIC_OR_PART"), std::string::npos) << unknownTopic;
}

// librdkafka's in-process mock cluster answers the Admin API, so topic creation is tested without a broker.
TEST(CreateTopic, CreatesOnMockClusterAndIsIdempotent) {
  auto client = makeKafkaClient(RD_KAFKA_PRODUCER, {{"test.mock.num.brokers", "1"}});
  ASSERT_TRUE(client) << client.status();
  const TopicSpec topic{"audit.prod-eu", 6, 1};
  const Status created = createTopic(client->get(), topic, 10s);
  ASSERT_TRUE(created.isOk()) << created;
  const Status again = createTopic(client->get(), topic, 10s);
  EXPECT_TRUE(again.isOk()) << again;
  const auto partitions = topicPartitionCount(client->get(), topic.name, 10s);
  ASSERT_TRUE(partitions) << partitions.status();
  EXPECT_EQ(*partitions, 6);
}

TEST(CreateTopic, InvalidSpecIsRejectedBeforeTheCluster) {
  auto client = makeKafkaClient(RD_KAFKA_PRODUCER, {{"test.mock.num.brokers", "1"}});
  ASSERT_TRUE(client) << client.status();
  const Status status = createTopic(client->get(), {"audit.bad", -5, 1}, 5s);
  ASSERT_FALSE(status.isOk());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message().rfind("topic 'audit.bad': ", 0), 0U) << status;
}

}  // namespace
}  // namespace auditstream
