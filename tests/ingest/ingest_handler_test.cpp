#include "ingest/ingest_handler.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <mutex>

#include "tests/support/capturing_log_sink.h"

namespace auditstream {
namespace {

namespace fs = std::filesystem;

// What the handler handed to Kafka; fails on demand.
class FakePublisher final : public EventPublisher {
 public:
  struct Published {
    std::string topic;
    std::string cluster;
    std::vector<std::pair<std::string, std::string>> events;  // key, value
  };
  Status publish(const std::string& topic, std::string_view cluster, std::span<const OutgoingEvent> events) override {
    if (down) return unavailable("broker down");
    Published batch{topic, std::string(cluster), {}};
    for (const OutgoingEvent& event : events) batch.events.emplace_back(event.key, event.value);
    batches.push_back(std::move(batch));
    return Status::ok();
  }
  Status deadLetter(std::string_view cluster, std::string_view body, std::string_view reason,
                    std::size_t rejectedEvents) override {
    if (down || deadLettersRefused) return unavailable("Broker: Message size too large");
    deadLetters.push_back({std::string(cluster), std::string(body), std::string(reason), rejectedEvents});
    return Status::ok();
  }
  struct DeadLetter {
    std::string cluster, body, reason;
    std::size_t rejected;
  };
  bool down = false;
  bool deadLettersRefused = false;
  std::vector<Published> batches;
  std::vector<DeadLetter> deadLetters;
};

class RecordingObserver final : public IngestObserver {
 public:
  void requestServed(const RequestOutcome& outcome) override {
    std::lock_guard lock(mutex);
    statuses.push_back(outcome.status);
    events += outcome.events;
  }
  void eventRejected(std::string_view, RejectReason reason) override {
    std::lock_guard lock(mutex);
    ++rejected[reason];
  }
  void deadLetterFailed(std::string_view) override {
    std::lock_guard lock(mutex);
    ++deadLetterFailures;
  }
  int deadLetterFailures = 0;
  std::mutex mutex;
  std::vector<int> statuses;
  std::size_t events = 0;
  std::map<RejectReason, int> rejected;
};

std::string event(const std::string& auditId, const std::string& user = "alice") {
  return R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":")" + auditId +
         R"(","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/secrets","verb":"list",)"
         R"("user":{"username":")" +
         user +
         R"(","groups":["system:authenticated"]},"sourceIPs":["10.0.0.7"],"objectRef":{"resource":"secrets",)"
         R"("namespace":"default","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},)"
         R"("requestReceivedTimestamp":"2026-12-07T10:00:00.000000Z","stageTimestamp":"2026-12-07T10:00:00.004000Z"})";
}

std::string eventList(const std::vector<std::string>& items) {
  std::string body = R"({"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) body += (i == 0 ? "" : ",") + items[i];
  return body + "]}";
}

class IngestHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ingest-handler-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "token") << "t0ken\n";
    config_.clients = {{"prod-1", (dir_ / "token").string(), ""}, {"prod-2", "", "apiserver-prod-2"}};
    config_.clientCaFile = "ca.pem";
    config_.maxEvents = 500;
  }
  void TearDown() override { fs::remove_all(dir_); }

  IngestHandler& handler() {
    if (!handler_) {
      Result<ClientDirectory> clients = ClientDirectory::load(config_.clients);
      EXPECT_TRUE(clients) << clients.status();
      handler_ = std::make_unique<IngestHandler>(config_, std::move(clients).value(), publisher_, observer_,
                                                 Logger(clock_, log_, LogLevel::kDebug, LogFormat::kKeyValue));
    }
    return *handler_;
  }
  WebhookResponse post(const std::string& body, std::string_view authorization = "Bearer t0ken",
                       std::string_view cn = "") {
    return handler().handle({"POST", "/audit", authorization, cn, body});
  }

  fs::path dir_;
  IngestConfig config_;
  FakePublisher publisher_;
  RecordingObserver observer_;
  SystemClock clock_;
  testing::CapturingLogSink log_;
  std::unique_ptr<IngestHandler> handler_;
};

TEST_F(IngestHandlerTest, EveryEventOfABatchGoesToItsClustersTopicKeyedByAuditId) {
  std::vector<std::string> items;
  for (int i = 0; i < 400; ++i) items.push_back(event("id-" + std::to_string(i)));
  const WebhookResponse response = post(eventList(items));
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_NE(response.body.find("\"events\":400"), std::string::npos) << response.body;
  ASSERT_EQ(publisher_.batches.size(), 1U);
  const FakePublisher::Published& batch = publisher_.batches[0];
  EXPECT_EQ(batch.topic, "audit.prod-1");
  EXPECT_EQ(batch.cluster, "prod-1");
  ASSERT_EQ(batch.events.size(), 400U);
  for (int i = 0; i < 400; ++i) {
    EXPECT_EQ(batch.events[static_cast<std::size_t>(i)].first, "id-" + std::to_string(i));
    EXPECT_EQ(batch.events[static_cast<std::size_t>(i)].second, items[static_cast<std::size_t>(i)]);  // byte for byte
  }
  EXPECT_EQ(observer_.events, 400U);
}

TEST_F(IngestHandlerTest, ASingleEventACertificateClientAndTheUserKey) {
  config_.key = IngestConfig::Key::kUser;
  config_.topicTemplate = "k8s.{cluster}.audit";
  const WebhookResponse response = post(event("one", "bob"), "", "apiserver-prod-2");
  EXPECT_EQ(response.status, 200) << response.body;
  ASSERT_EQ(publisher_.batches.size(), 1U);
  EXPECT_EQ(publisher_.batches[0].topic, "k8s.prod-2.audit");
  EXPECT_EQ(publisher_.batches[0].events.at(0).first, "bob");
}

TEST_F(IngestHandlerTest, CallersWithoutAGoodCredentialGet401Or403AndNothingIsWritten) {
  EXPECT_EQ(post(event("x"), "").status, 401);
  EXPECT_EQ(post(event("x"), "Bearer wrong").status, 401);
  EXPECT_EQ(post(event("x"), "", "not-a-client").status, 403);
  EXPECT_TRUE(publisher_.batches.empty());
  EXPECT_EQ(observer_.statuses, (std::vector<int>{401, 401, 403}));
}

TEST_F(IngestHandlerTest, WrongPathOrMethod) {
  EXPECT_EQ(handler().handle({"POST", "/elsewhere", "Bearer t0ken", "", event("x")}).status, 404);
  EXPECT_EQ(handler().handle({"GET", "/audit", "Bearer t0ken", "", ""}).status, 405);
}

TEST_F(IngestHandlerTest, WhatIsNotAuditJsonGets400AndTheNextBatchIsServed) {
  const WebhookResponse notJson = post("hello");
  EXPECT_EQ(notJson.status, 400) << notJson.body;
  const WebhookResponse kindZero = post(R"({"kind": 0})");  // Falco's FAL-01-003 fixture
  EXPECT_EQ(kindZero.status, 400) << kindZero.body;
  EXPECT_NE(kindZero.body.find("not an audit.k8s.io EventList or Event"), std::string::npos) << kindZero.body;
  EXPECT_EQ(post("").status, 400);
  EXPECT_EQ(post(eventList({event("fine")})).status, 200);
  EXPECT_EQ(publisher_.batches.size(), 1U);
}

TEST_F(IngestHandlerTest, AMalformedEventCostsOnlyItselfAndIsDeadLettered) {
  config_.deadLetterTopic = "audit.rejected";
  std::vector<std::string> items;
  for (int i = 0; i < 400; ++i) items.push_back(event("id-" + std::to_string(i)));
  items[137] = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":7,"verb":["list"]})";
  const std::string body = eventList(items);
  const WebhookResponse response = post(body);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_NE(response.body.find("\"events\":399,\"rejected\":1"), std::string::npos) << response.body;
  ASSERT_EQ(publisher_.batches.size(), 1U);
  EXPECT_EQ(publisher_.batches[0].events.size(), 399U);
  for (const auto& [key, value] : publisher_.batches[0].events) EXPECT_NE(key, "");
  ASSERT_EQ(publisher_.deadLetters.size(), 1U);
  EXPECT_EQ(publisher_.deadLetters[0].body, body);
  EXPECT_EQ(publisher_.deadLetters[0].reason, "not_an_event");
  EXPECT_EQ(publisher_.deadLetters[0].rejected, 1U);
  EXPECT_EQ(observer_.rejected[RejectReason::kNotAnEvent], 1);
  EXPECT_TRUE(log_.any("not audit events")) << "the rejection is logged";
}

// A dead letter Kafka refuses (a body past the topic's max.message.bytes) does not fail the batch: its
// good events are written and answered 200; the failure is counted and logged.
TEST_F(IngestHandlerTest, ADeadLetterKafkaRefusesDoesNotCostTheBatch) {
  config_.deadLetterTopic = "audit.rejected";
  publisher_.deadLettersRefused = true;
  const WebhookResponse response = post(eventList({event("good"), R"({"kind":"Event","auditID":1})"}));
  EXPECT_EQ(response.status, 200) << response.body;
  ASSERT_EQ(publisher_.batches.size(), 1U);
  EXPECT_EQ(publisher_.batches[0].events.size(), 1U);
  EXPECT_EQ(observer_.deadLetterFailures, 1);
  EXPECT_TRUE(log_.any("a dead letter was not written"));
}

TEST_F(IngestHandlerTest, TooManyEventsGet413AndAnEventPastMaxEventBytesIsRejected) {
  std::vector<std::string> items;
  for (int i = 0; i < 501; ++i) items.push_back(event("id-" + std::to_string(i)));
  const WebhookResponse tooMany = post(eventList(items));
  EXPECT_EQ(tooMany.status, 413) << tooMany.body;
  EXPECT_TRUE(publisher_.batches.empty());
  config_.maxEventBytes = 1024;
  const std::string large = event("large", std::string(2000, 'u'));
  const WebhookResponse response = post(eventList({event("small"), large}));
  EXPECT_EQ(response.status, 200) << response.body;
  ASSERT_EQ(publisher_.batches.size(), 1U);
  EXPECT_EQ(publisher_.batches[0].events.size(), 1U);
  EXPECT_EQ(observer_.rejected[RejectReason::kTooLarge], 1);
}

TEST_F(IngestHandlerTest, KafkaDownGets503WithRetryAfterSoTheApiserverRetries) {
  publisher_.down = true;
  const WebhookResponse response = post(eventList({event("a"), event("b")}));
  EXPECT_EQ(response.status, 503) << response.body;
  EXPECT_GT(response.retryAfterSeconds, 0);
  publisher_.down = false;
  EXPECT_EQ(post(eventList({event("a"), event("b")})).status, 200);
}

}  // namespace
}  // namespace auditstream
