// The Alertmanager sink against real Alertmanagers (Debian's prometheus-alertmanager): labels and
// annotations as designed; queued alerts arrive after an outage, within the queue bound, drops counted
// beyond it; every replica receives every alert; a 400 is not retried.
#include "sinks/alertmanager_sink.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "common/clock.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

namespace fs = std::filesystem;
const std::string kScript = AUDITSTREAM_ALERTMANAGER_LOCAL;

// An Alertmanager of this test's own, started and stopped with the deploy script.
class OwnAlertmanager {
 public:
  explicit OwnAlertmanager(std::string name) : dir_(fs::temp_directory_path() / testing::uniqueName(name)) {}
  ~OwnAlertmanager() { stop(); }
  Status start(int port = 0) {
    const std::string env = port > 0 ? "ALERTMANAGER_PORT=" + std::to_string(port) + " " : "";
    if (std::system((env + kScript + " start " + dir_.string() + " >/dev/null 2>&1").c_str()) != 0) {
      return unavailable("alertmanager-local start " + dir_.string() + " failed; see its alertmanager.log");
    }
    std::ifstream in(dir_ / "url");
    std::getline(in, url_);
    return Status::ok();
  }
  void stop() { (void)std::system((kScript + " stop " + dir_.string() + " >/dev/null 2>&1").c_str()); }
  const std::string& url() const { return url_; }
  int port() const { return std::stoi(url_.substr(url_.rfind(':') + 1)); }

 private:
  fs::path dir_;
  std::string url_;
};

std::shared_ptr<const Alert> makeAlert(const std::string& rule, const std::string& user, bool correlation) {
  auto meta = std::make_shared<RuleMetadata>();
  meta->id = rule;
  meta->name = correlation ? "burst_of_403s" : "exec_into_pod";
  meta->title = correlation ? "Burst of Forbidden Requests" : "Exec Into a Pod";
  meta->level = "high";
  meta->author = "auditstream";
  auto alert = std::make_shared<Alert>();
  alert->id = rule + "-" + user;
  alert->rule = meta;
  alert->cluster = "prod-eu";
  if (correlation) alert->groupBy = {{"user.username", user}};
  alert->count = correlation ? 12 : 1;
  const auto now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  alert->firstEventTime = alert->lastEventTime = EventTime{now.count()};
  alert->evidence.auditIds = {"audit-1"};
  alert->evidence.user = user;
  return alert;
}

AlertmanagerOptions optionsFor(std::vector<std::string> urls) {
  AlertmanagerOptions options;
  options.urls = std::move(urls);
  options.initialBackoff = std::chrono::milliseconds(50);
  options.maxBackoff = std::chrono::milliseconds(500);
  return options;
}

// The alerts Alertmanager holds for `rule` (GET /api/v2/alerts?filter=rule_id="...").
std::vector<std::string> alertsOf(const std::string& url, const std::string& rule, std::string* firstAlert = nullptr) {
  auto client = HttpClient::create().value();
  auto response = client.send({"GET", url + "/api/v2/alerts?filter=rule_id%3D%22" + rule + "%22", "", {}});
  std::vector<std::string> users;
  if (!response || response->status != 200) return users;
  simdjson::dom::parser parser;
  for (simdjson::dom::element alert : parser.parse(response->body).get_array()) {
    users.emplace_back(std::string_view(alert["annotations"]["user"]));
    if (firstAlert != nullptr && firstAlert->empty()) *firstAlert = simdjson::to_string(alert);
  }
  return users;
}

const SystemClock kClock;

TEST(AlertmanagerSinkIntegration, LabelsAndAnnotationsArriveAsDesigned) {
  const Result<std::string> url = testing::alertmanagerUrl();
  ASSERT_TRUE(url) << url.status();
  const std::string rule = testing::uniqueName("rule");
  auto sink = AlertmanagerSink::create(optionsFor({*url}), kClock).value();
  std::atomic<int> delivered{0};
  sink->submit(makeAlert(rule, "mallory", true),
               [&](const Delivery& d) { delivered += d.outcome == DeliveryOutcome::kDelivered; });
  ASSERT_TRUE(sink->flush(std::chrono::seconds(30)));
  EXPECT_EQ(delivered.load(), 1);
  std::string alert;
  ASSERT_EQ(alertsOf(*url, rule, &alert), std::vector<std::string>{"mallory"});
  simdjson::dom::parser parser;
  const simdjson::dom::element parsed = parser.parse(alert);
  EXPECT_EQ(std::string_view(parsed["labels"]["alertname"]), "burst_of_403s");
  EXPECT_EQ(std::string_view(parsed["labels"]["user_username"]), "mallory");
  EXPECT_EQ(std::string_view(parsed["labels"]["severity"]), "high");
  EXPECT_EQ(std::string_view(parsed["labels"]["cluster"]), "prod-eu");
  EXPECT_EQ(std::string_view(parsed["annotations"]["count"]), "12");
  EXPECT_EQ(std::string_view(parsed["annotations"]["rule_author"]), "auditstream");
  EXPECT_EQ(std::string_view(parsed["status"]["state"]), "active");
}

TEST(AlertmanagerSinkIntegration, QueuedAlertsArriveAfterAnOutageAndOverflowIsDroppedAndCounted) {
  OwnAlertmanager alertmanager("am-outage");
  ASSERT_TRUE(alertmanager.start().isOk());
  const int port = alertmanager.port();
  const std::string rule = testing::uniqueName("outage");
  AlertmanagerOptions options = optionsFor({alertmanager.url()});
  options.queueCapacity = 50;
  auto sink = AlertmanagerSink::create(options, kClock).value();
  alertmanager.stop();
  sink->submit(makeAlert(rule, "first", false), [](const Delivery&) {});
  ASSERT_TRUE(testing::waitUntil([&] { return sink->stats().retries.load() >= 1; }, std::chrono::seconds(20)));
  // The first alert is in flight, retrying; 60 more overflow a queue of 50 by 10.
  for (int i = 0; i < 60; ++i)
    sink->submit(makeAlert(rule, "user-" + std::to_string(i), false), [](const Delivery&) {});
  EXPECT_EQ(sink->stats().dropped.load(), 10U);
  ASSERT_TRUE(alertmanager.start(port).isOk());
  ASSERT_TRUE(sink->flush(std::chrono::seconds(60)));
  // Stateless alerts of one rule share their labels: Alertmanager folds them into one alert, so count
  // what it received through the sink's own delivery counter, and check the last one is there.
  EXPECT_EQ(sink->stats().delivered.load(), 51U);
  EXPECT_EQ(alertsOf(alertmanager.url(), rule), std::vector<std::string>{"user-59"});
}

TEST(AlertmanagerSinkIntegration, EveryReplicaReceivesEveryAlert) {
  OwnAlertmanager first("am-a");
  OwnAlertmanager second("am-b");
  ASSERT_TRUE(first.start().isOk());
  ASSERT_TRUE(second.start().isOk());
  const std::string rule = testing::uniqueName("replicas");
  auto sink = AlertmanagerSink::create(optionsFor({first.url(), second.url()}), kClock).value();
  for (int i = 0; i < 10; ++i) sink->submit(makeAlert(rule, "u" + std::to_string(i), true), [](const Delivery&) {});
  ASSERT_TRUE(sink->flush(std::chrono::seconds(30)));
  for (const OwnAlertmanager* alertmanager : {&first, &second}) {
    EXPECT_EQ(alertsOf(alertmanager->url(), rule).size(), 10U) << alertmanager->url();
  }
}

TEST(AlertmanagerSinkIntegration, ABadRequestIsNotRetried) {
  const Result<std::string> url = testing::alertmanagerUrl();
  ASSERT_TRUE(url) << url.status();
  AlertmanagerOptions options = optionsFor({*url});
  options.resolveTimeout = std::chrono::seconds(-3600);  // endsAt before startsAt: Alertmanager answers 400
  auto sink = AlertmanagerSink::create(options, kClock).value();
  std::atomic<int> rejected{0};
  sink->submit(makeAlert(testing::uniqueName("bad"), "u", false),
               [&](const Delivery& d) { rejected += d.outcome == DeliveryOutcome::kRejected; });
  ASSERT_TRUE(sink->flush(std::chrono::seconds(30)));
  EXPECT_EQ(rejected.load(), 1);  // refused for good: never retried
  EXPECT_EQ(sink->stats().posts.load(), 1U);
  EXPECT_EQ(sink->stats().retries.load(), 0U);
}

}  // namespace
}  // namespace auditstream
