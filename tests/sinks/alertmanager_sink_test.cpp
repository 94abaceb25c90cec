#include "sinks/alertmanager_sink.h"

#include <atomic>
#include <condition_variable>
#include <gtest/gtest.h>
#include <mutex>
#include <simdjson.h>

#include "common/manual_clock.h"
#include "sinks/alertmanager_payload.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

using testing::LoopbackHttpServer;

std::shared_ptr<const Alert> makeAlert(std::string id, std::uint64_t count = 1) {
  auto rule = std::make_shared<RuleMetadata>();
  rule->id = "rule-1";
  rule->name = "burst_403";
  rule->title = "Burst of 403s";
  rule->level = "high";
  rule->author = "someone";
  auto alert = std::make_shared<Alert>();
  alert->id = std::move(id);
  alert->rule = rule;
  alert->cluster = "prod-eu";
  alert->groupBy = {{"user.username", "mallory"}, {"objectRef/name", "x"}};
  alert->count = count;
  alert->firstEventTime = EventTime{1'700'000'000'000'000'000};
  alert->lastEventTime = EventTime{1'700'000'060'000'000'000};
  alert->evidence.auditIds = {"a1", "a2"};
  alert->evidence.user = "mallory";
  return alert;
}

struct Acks {
  std::mutex mutex;
  std::vector<DeliveryOutcome> outcomes;
  AckCallback callback() {
    return [this](const Delivery& delivery) {
      std::lock_guard lock(mutex);
      outcomes.push_back(delivery.outcome);
    };
  }
  std::size_t count(DeliveryOutcome outcome) {
    std::lock_guard lock(mutex);
    return static_cast<std::size_t>(std::count(outcomes.begin(), outcomes.end(), outcome));
  }
};

AlertmanagerOptions fastRetries(std::vector<std::string> urls) {
  AlertmanagerOptions options;
  options.urls = std::move(urls);
  options.initialBackoff = std::chrono::milliseconds(5);
  options.maxBackoff = std::chrono::milliseconds(20);
  options.requestTimeout = std::chrono::milliseconds(2000);
  return options;
}

TEST(AlertmanagerPayload, StableLabelsAndVolatileAnnotations) {
  const std::string body = alertmanagerBatch({makeAlert("id-1", 12)}, std::chrono::system_clock::time_point{});
  simdjson::dom::parser parser;
  const simdjson::dom::element alert = parser.parse(body).at(0);
  EXPECT_EQ(std::string_view(alert["labels"]["alertname"]), "burst_403");
  EXPECT_EQ(std::string_view(alert["labels"]["severity"]), "high");
  EXPECT_EQ(std::string_view(alert["labels"]["cluster"]), "prod-eu");
  EXPECT_EQ(std::string_view(alert["labels"]["rule_id"]), "rule-1");
  EXPECT_EQ(std::string_view(alert["labels"]["user_username"]), "mallory");
  EXPECT_EQ(std::string_view(alert["labels"]["objectRef_name"]), "x");
  EXPECT_EQ(alert["labels"].get_object().size(), 6U);  // nothing volatile among the labels
  EXPECT_EQ(std::string_view(alert["annotations"]["count"]), "12");
  EXPECT_EQ(std::string_view(alert["annotations"]["audit_ids"]), "a1, a2");
  EXPECT_EQ(std::string_view(alert["annotations"]["rule_author"]), "someone");
  EXPECT_EQ(std::string_view(alert["startsAt"]), "2023-11-14T22:13:20.000000000Z");
  EXPECT_EQ(std::string_view(alert["endsAt"]), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(alertmanagerLabelName("annotations.authorization.k8s.io/decision"),
            "annotations_authorization_k8s_io_decision");
  EXPECT_EQ(alertmanagerLabelName("9lives"), "_9lives");
}

TEST(AlertmanagerSink, RetriesServerErrorsUntilAccepted) {
  std::atomic<int> calls{0};
  auto server = LoopbackHttpServer::start([&](const LoopbackHttpServer::Request&) {
                  return LoopbackHttpServer::Reply{++calls <= 2 ? 503 : 200, "", "text/plain"};
                }).value();
  ManualClock clock;
  auto sink = AlertmanagerSink::create(fastRetries({server->url()}), clock).value();
  Acks acks;
  sink->submit(makeAlert("a"), acks.callback());
  ASSERT_TRUE(sink->flush(std::chrono::seconds(10)));
  EXPECT_EQ(acks.count(DeliveryOutcome::kDelivered), 1U);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(sink->stats().retries.load(), 2U);
  EXPECT_EQ(server->requests().back().path, "/api/v2/alerts");
}

TEST(AlertmanagerSink, ABadRequestIsNotRetried) {
  auto server = LoopbackHttpServer::start([](const LoopbackHttpServer::Request&) {
                  return LoopbackHttpServer::Reply{400, "{\"message\":\"invalid label\"}"};
                }).value();
  ManualClock clock;
  auto sink = AlertmanagerSink::create(fastRetries({server->url()}), clock).value();
  Acks acks;
  sink->submit(makeAlert("a"), acks.callback());
  ASSERT_TRUE(sink->flush(std::chrono::seconds(10)));
  EXPECT_EQ(acks.count(DeliveryOutcome::kRejected), 1U);
  EXPECT_EQ(server->requests().size(), 1U);
}

TEST(AlertmanagerSink, EveryReplicaGetsEveryBatchWithItsCredentials) {
  auto first = LoopbackHttpServer::start([](const auto&) { return LoopbackHttpServer::Reply{200, ""}; }).value();
  auto second = LoopbackHttpServer::start([](const auto&) { return LoopbackHttpServer::Reply{200, ""}; }).value();
  ManualClock clock;
  AlertmanagerOptions options = fastRetries({first->url(), second->url() + "/"});
  options.bearerToken = "s3cret";
  auto sink = AlertmanagerSink::create(options, clock).value();
  Acks acks;
  for (int i = 0; i < 100; ++i) sink->submit(makeAlert("a" + std::to_string(i)), acks.callback());
  ASSERT_TRUE(sink->flush(std::chrono::seconds(10)));
  EXPECT_EQ(acks.count(DeliveryOutcome::kDelivered), 100U);
  for (const auto* server : {first.get(), second.get()}) {
    std::size_t alerts = 0;
    simdjson::dom::parser parser;
    for (const auto& request : server->requests()) {
      EXPECT_EQ(request.headers.at("authorization"), "Bearer s3cret");
      const auto batch = parser.parse(request.body).get_array();
      EXPECT_LE(batch.size(), 64U);
      alerts += batch.size();
    }
    EXPECT_EQ(alerts, 100U);
  }
}

TEST(AlertmanagerSink, AFullQueueDropsTheOldestAndCountsIt) {
  std::mutex gate;
  std::unique_lock corked(gate);  // the server answers only once the test lets it
  std::atomic<int> started{0};
  auto server = LoopbackHttpServer::start([&](const auto&) {
                  ++started;
                  std::lock_guard wait(gate);
                  return LoopbackHttpServer::Reply{200, ""};
                }).value();
  ManualClock clock;
  AlertmanagerOptions options = fastRetries({server->url()});
  options.queueCapacity = 3;
  options.batchSize = 1;
  auto sink = AlertmanagerSink::create(options, clock).value();
  Acks acks;
  sink->submit(makeAlert("in-flight"), acks.callback());
  ASSERT_TRUE(testing::waitUntil([&] { return started.load() == 1; }, std::chrono::seconds(5)));
  for (int i = 0; i < 5; ++i) sink->submit(makeAlert("q" + std::to_string(i)), acks.callback());
  EXPECT_EQ(acks.count(DeliveryOutcome::kDropped), 2U);  // q0 and q1: the oldest queued
  corked.unlock();
  ASSERT_TRUE(sink->flush(std::chrono::seconds(10)));
  EXPECT_EQ(acks.count(DeliveryOutcome::kDelivered), 4U);
  EXPECT_EQ(sink->stats().dropped.load(), 2U);
}

}  // namespace
}  // namespace auditstream
