#include "consumer/service_metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace auditstream {
namespace {

// A raw HTTP exchange with the endpoint (the service's own server: no client library in between).
std::string rawExchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {  // NOLINT: sockets API
    ::close(fd);
    return "connect failed";
  }
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  std::string response;
  char buffer[4096];
  for (ssize_t got = 0; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
    response.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  return response;
}

std::string get(int port, const std::string& path) {
  return rawExchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
}

TEST(ServiceMetrics, ReadyzIs503WithTheReasonUntilReady) {
  auto metrics = ServiceMetrics::create("127.0.0.1:0").value();
  ASSERT_GT(metrics->port(), 0);
  EXPECT_EQ(get(metrics->port(), "/healthz").substr(0, 15), "HTTP/1.1 200 OK");
  const std::string starting = get(metrics->port(), "/readyz");
  EXPECT_EQ(starting.substr(0, 32), "HTTP/1.1 503 Service Unavailable");
  EXPECT_NE(starting.find("not ready: starting"), std::string::npos);
  metrics->setReadiness(false, "t[1] is 101 messages behind (ready at 100)");
  EXPECT_NE(get(metrics->port(), "/readyz").find("t[1] is 101 messages behind"), std::string::npos);
  metrics->setReadiness(true, "");
  EXPECT_EQ(get(metrics->port(), "/readyz?verbose").substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_NE(get(metrics->port(), "/metrics").find("auditstream_ready 1"), std::string::npos);
}

TEST(ServiceMetrics, PublishedTotalsAndLatencyAppearOnMetrics) {
  auto metrics = ServiceMetrics::create("127.0.0.1:0").value();
  ServiceTotals totals;
  totals.processing.messages = 7;
  totals.processing.events = 9;
  totals.processing.rejects[static_cast<std::size_t>(RejectReason::kNotJson)] = 2;
  totals.alertsByRule[{"exec", "high"}] = 3;
  totals.sinks.push_back({"kafka", 3, 0, 0, 1});
  totals.deadLetters = 2;
  totals.rulesLoaded = 43;
  auto build = RuleSet::create({});
  metrics->publish(*build.rules, totals);
  totals.processing.events = 4;  // a reload restarted the pipeline's counters: they count from there
  metrics->publish(*build.rules, totals);
  metrics->observeDetectionLatency(0.3);
  metrics->countReload(false);
  const std::string text = get(metrics->port(), "/metrics");
  for (const char* wanted :
       {"auditstream_messages_total 7", "auditstream_events_total 13",
        "auditstream_rejected_total{reason=\"not_json\"} 2",
        "auditstream_alerts_by_rule_total{level=\"high\",rule_id=\"exec\"} 3",
        "auditstream_sink_deliveries_total{outcome=\"delivered\",sink=\"kafka\"} 3",
        "auditstream_sink_retries_total{sink=\"kafka\"} 1", "auditstream_dead_letters_total 2",
        "auditstream_rules_loaded 43", "auditstream_detection_latency_seconds_bucket{le=\"0.5\"} 1",
        "auditstream_rule_reloads_total{result=\"rejected\"} 1"}) {
    EXPECT_NE(text.find(wanted), std::string::npos) << wanted << "\n" << text;
  }
}

TEST(ServiceMetrics, TheEndpointRefusesWhatItDoesNotServe) {
  auto metrics = ServiceMetrics::create("127.0.0.1:0").value();
  EXPECT_EQ(get(metrics->port(), "/").substr(0, 22), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(rawExchange(metrics->port(), "POST /metrics HTTP/1.1\r\n\r\n").substr(0, 31),
            "HTTP/1.1 405 Method Not Allowed");
  EXPECT_EQ(rawExchange(metrics->port(), "garbage\r\n\r\n").substr(0, 24), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(rawExchange(metrics->port(), std::string(20000, 'x')).substr(0, 24), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(get(metrics->port(), "/healthz").substr(0, 15), "HTTP/1.1 200 OK");  // still serving
}

TEST(ServiceMetrics, ABusyAddressIsAnError) {
  auto first = ServiceMetrics::create("127.0.0.1:0").value();
  const auto second = ServiceMetrics::create("127.0.0.1:" + std::to_string(first->port()));
  ASSERT_FALSE(second);
  EXPECT_NE(second.status().message().find("Address already in use"), std::string::npos) << second.status();
}

// Each correlation task's watermark and live keys, labelled by its signals partition; a task that moved
// away leaves no stale series behind.
TEST(ServiceMetrics, EachOwnedCorrelationTaskHasItsWatermarkAndLiveKeysAndATaskThatMovedHasNone) {
  auto metrics = ServiceMetrics::create("127.0.0.1:0").value();
  auto build = RuleSet::create({});
  ServiceTotals totals;
  totals.tasksOwned = 2;
  totals.taskWatermarks = {{1, 1'700'000'000'000'000'000}, {4, 1'700'000'001'000'000'000}};
  totals.taskLiveKeys = {{1, 7}, {4, 0}};
  metrics->publish(*build.rules, totals);
  std::string text = get(metrics->port(), "/metrics");
  EXPECT_NE(text.find("auditstream_correlation_task_live_keys{partition=\"1\"} 7"), std::string::npos) << text;
  EXPECT_NE(text.find("auditstream_correlation_task_live_keys{partition=\"4\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("auditstream_correlation_task_watermark_seconds{partition=\"4\"} 1700000001"), std::string::npos)
      << text;
  totals.tasksOwned = 1;
  totals.taskWatermarks.erase(4);
  totals.taskLiveKeys.erase(4);
  metrics->publish(*build.rules, totals);
  text = get(metrics->port(), "/metrics");
  EXPECT_EQ(text.find("partition=\"4\""), std::string::npos) << text;
  EXPECT_NE(text.find("auditstream_correlation_task_live_keys{partition=\"1\"} 7"), std::string::npos) << text;
}

}  // namespace
}  // namespace auditstream
