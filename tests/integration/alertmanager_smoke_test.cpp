// Smoke test against the real Alertmanager started by the integration.alertmanager.start fixture:
// an alert POSTed to /api/v2/alerts is readable back from the API with its labels and annotations,
// and reaches the local webhook receiver that later sink tests read.
#include <fstream>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "sinks/http_client.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"

namespace auditstream::testing {
namespace {

using namespace std::chrono_literals;

std::string alertJson(const std::string& alertname) {
  return R"([{"labels":{"alertname":")" + alertname +
         R"(","severity":"high","cluster":"prod-eu","rule_id":"smoke-0001"},)"
         R"("annotations":{"summary":"smoke test alert","description":"posted by alertmanager_smoke_test"}}])";
}

// Lines of the webhook log that mention `needle`.
std::vector<std::string> webhookLinesWith(const std::string& path, const std::string& needle) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(needle) != std::string::npos) lines.push_back(line);
  }
  return lines;
}

TEST(AlertmanagerSmoke, PostedAlertIsReadBackAndNotified) {
  auto url = alertmanagerUrl();
  ASSERT_TRUE(url) << url.status();
  auto webhookLog = webhookLogPath();
  ASSERT_TRUE(webhookLog) << webhookLog.status();
  auto client = HttpClient::create();
  ASSERT_TRUE(client) << client.status();
  const std::string alertname = uniqueName("AuditstreamSmoke");

  const auto posted = client->send({.method = "POST",
                                    .url = *url + "/api/v2/alerts",
                                    .body = alertJson(alertname),
                                    .headers = {"Content-Type: application/json"}});
  ASSERT_TRUE(posted) << posted.status();
  ASSERT_EQ(posted->status, 200) << posted->body;

  // Read it back through the API, filtered by alertname.
  const auto listed =
      client->send({.method = "GET", .url = *url + "/api/v2/alerts?filter=alertname%3D%22" + alertname + "%22"});
  ASSERT_TRUE(listed) << listed.status();
  ASSERT_EQ(listed->status, 200) << listed->body;
  simdjson::dom::parser parser;
  simdjson::dom::element alerts;
  ASSERT_EQ(parser.parse(listed->body).get(alerts), simdjson::SUCCESS) << listed->body;
  simdjson::dom::array array;
  ASSERT_EQ(alerts.get_array().get(array), simdjson::SUCCESS);
  ASSERT_EQ(array.size(), 1U) << listed->body;
  simdjson::dom::element alert = array.at(0);
  std::string_view value;
  ASSERT_EQ(alert["labels"]["alertname"].get_string().get(value), simdjson::SUCCESS);
  EXPECT_EQ(value, alertname);
  ASSERT_EQ(alert["labels"]["cluster"].get_string().get(value), simdjson::SUCCESS);
  EXPECT_EQ(value, "prod-eu");
  ASSERT_EQ(alert["annotations"]["summary"].get_string().get(value), simdjson::SUCCESS);
  EXPECT_EQ(value, "smoke test alert");
  ASSERT_EQ(alert["status"]["state"].get_string().get(value), simdjson::SUCCESS);
  EXPECT_EQ(value, "active");

  // And the route delivered it to the webhook receiver, once, firing.
  ASSERT_TRUE(waitUntil([&] { return !webhookLinesWith(*webhookLog, alertname).empty(); }, 30s))
      << "no webhook notification for " << alertname << " in " << *webhookLog;
  const auto lines = webhookLinesWith(*webhookLog, alertname);
  ASSERT_EQ(lines.size(), 1U);
  simdjson::dom::element notification;
  ASSERT_EQ(parser.parse(lines[0]).get(notification), simdjson::SUCCESS) << lines[0];
  ASSERT_EQ(notification["body"]["status"].get_string().get(value), simdjson::SUCCESS);
  EXPECT_EQ(value, "firing");
  ASSERT_EQ(notification["body"]["alerts"].at(0)["labels"]["rule_id"].get_string().get(value), simdjson::SUCCESS);
  EXPECT_EQ(value, "smoke-0001");
}

TEST(AlertmanagerSmoke, InvalidLabelNameIsRejectedWith400) {
  // Alertmanager 0.25 refuses label names with dots (ARCHITECTURE.md): the sink must map them to '_'.
  auto url = alertmanagerUrl();
  ASSERT_TRUE(url) << url.status();
  auto client = HttpClient::create();
  ASSERT_TRUE(client) << client.status();
  const auto posted = client->send({.method = "POST",
                                    .url = *url + "/api/v2/alerts",
                                    .body = R"([{"labels":{"alertname":"Dotted","user.username":"x"}}])",
                                    .headers = {"Content-Type: application/json"}});
  ASSERT_TRUE(posted) << posted.status();
  EXPECT_EQ(posted->status, 400) << posted->body;
}

}  // namespace
}  // namespace auditstream::testing
