// `run --log-format json`: every line the service writes to stderr is one JSON object from its logger —
// start-up, assignment, a rejected message, progress, the stop — and nothing bypasses it.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <set>
#include <simdjson.h>
#include <sstream>
#include <thread>

#include "config/rule_pack.h"
#include "consumer/service.h"
#include "sinks/kafka_client.h"
#include "tests/support/capturing_log_sink.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

using CapturingSink = testing::CapturingLogSink;

// Points fd 2 at a file while alive; what reached it is text().
class StderrCapture {
 public:
  StderrCapture() : path_(::testing::TempDir() + "service_log_stderr.txt") {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    const int file = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(file, STDERR_FILENO);
    ::close(file);
  }
  ~StderrCapture() { restore(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }
  std::string text() const {
    std::ifstream in(path_);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }

 private:
  std::string path_;
  int saved_ = -1;
};

TEST(ServiceLog, JsonFormatWritesEveryRecordAsOneJsonObjectAndNothingElseToStderr) {
  KafkaClientPtr producer =
      makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"test.mock.num.brokers", "1"}, {"log_level", "0"}}).value();
  rd_kafka_mock_cluster_t* mock = rd_kafka_handle_mock_cluster(producer.get());
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
  const std::string topic = "audit.logs";
  ASSERT_EQ(rd_kafka_mock_topic_create(mock, topic.c_str(), 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::ifstream in(std::string(AUDITSTREAM_SOURCE_DIR) + "/tests/rules/corr-forbidden-burst-per-user/events.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ASSERT_EQ(produceCopy(producer.get(), topic, "k", line), nullptr);
  }
  ASSERT_EQ(produceCopy(producer.get(), topic, "k", "this is \"not\" JSON"), nullptr);  // rejected, logged
  ASSERT_EQ(rd_kafka_flush(producer.get(), 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);

  RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  ASSERT_TRUE(pack.problems.empty());
  ServiceConfig config;
  config.kafka = {{"bootstrap.servers", bootstrap}, {"group.id", "logs"}, {"log_level", "0"}};
  config.topics = {topic};
  config.rules = {AUDITSTREAM_BUNDLED_RULES_DIR};
  config.metricsAddress = "";
  config.workers = 2;
  const SystemClock clock;
  CapturingSink records;
  std::atomic<bool> stopping{false};
  ServiceOptions options;
  options.log = Logger(clock, records, LogLevel::kInfo, LogFormat::kJson, "auditstream");
  options.stopRequested = [&] { return stopping.load(); };
  options.progressEvery = std::chrono::seconds(1);
  int status = -1;
  StderrCapture stderrCapture;
  std::thread service([&] { status = runService(config, std::move(pack), std::move(options)); });
  const bool sawAll = testing::waitUntil([&] { return records.any("message rejected") && records.any(" events ("); },
                                         std::chrono::seconds(60));
  stopping = true;
  service.join();
  stderrCapture.restore();
  ASSERT_TRUE(sawAll) << "no rejection or no progress record";
  EXPECT_EQ(status, 0);

  simdjson::dom::parser parser;
  std::set<std::string> messages;
  for (const std::string& line : records.lines()) {
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    simdjson::dom::element record;
    ASSERT_EQ(parser.parse(line).get(record), simdjson::SUCCESS) << line;
    std::string_view level;
    std::string_view message;
    std::string_view ts;
    EXPECT_EQ(record["level"].get(level), simdjson::SUCCESS) << line;
    EXPECT_EQ(record["ts"].get(ts), simdjson::SUCCESS) << line;
    ASSERT_EQ(record["msg"].get(message), simdjson::SUCCESS) << line;
    messages.emplace(message);
    if (message == "message rejected") {
      std::string_view reason;
      std::int64_t offset = -1;
      EXPECT_EQ(record["reason"].get(reason), simdjson::SUCCESS) << line;
      EXPECT_EQ(reason, "not_json");
      EXPECT_EQ(record["offset"].get(offset), simdjson::SUCCESS) << line;
      EXPECT_EQ(offset, 20);
    }
  }
  EXPECT_TRUE(messages.contains("consuming"));
  EXPECT_TRUE(messages.contains("partitions assigned"));
  EXPECT_TRUE(messages.contains("stopping: draining workers, closing windows, flushing sinks, committing"));
  EXPECT_EQ(stderrCapture.text(), "") << "written to stderr around the logger";
}

}  // namespace
}  // namespace auditstream
