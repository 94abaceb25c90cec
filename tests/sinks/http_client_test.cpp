#include "sinks/http_client.h"

#include <gtest/gtest.h>

#include "tests/support/loopback_http_server.h"

namespace auditstream {
namespace {

using testing::LoopbackHttpServer;

TEST(HttpClient, PostsBodyAndHeadersAndReadsReply) {
  auto server = LoopbackHttpServer::start([](const LoopbackHttpServer::Request& request) {
    return LoopbackHttpServer::Reply{request.path == "/api/v2/alerts" ? 200 : 404, R"({"ok":true})"};
  });
  ASSERT_TRUE(server) << server.status();
  auto client = HttpClient::create();
  ASSERT_TRUE(client) << client.status();

  HttpRequest request;
  request.method = "POST";
  request.url = (*server)->url() + "/api/v2/alerts";
  request.body = R"([{"labels":{"alertname":"x"}}])";
  request.headers = {"Content-Type: application/json", "Authorization: Bearer t0ken"};
  const auto response = client->send(request);
  ASSERT_TRUE(response) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"ok":true})");

  const auto seen = (*server)->requests();
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, request.body);
  EXPECT_EQ(seen[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(seen[0].headers.at("authorization"), "Bearer t0ken");
}

TEST(HttpClient, HttpErrorStatusIsAnAnswerNotATransportError) {
  auto server = LoopbackHttpServer::start([](const LoopbackHttpServer::Request&) {
    return LoopbackHttpServer::Reply{503, "try later"};
  });
  ASSERT_TRUE(server) << server.status();
  auto client = HttpClient::create();
  ASSERT_TRUE(client);
  const auto response = client->send({.method = "GET", .url = (*server)->url() + "/-/ready"});
  ASSERT_TRUE(response) << response.status();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "try later");
}

TEST(HttpClient, ReusedClientSendsSeveralRequests) {
  auto server = LoopbackHttpServer::start([](const LoopbackHttpServer::Request& request) {
    return LoopbackHttpServer::Reply{200, request.path};
  });
  ASSERT_TRUE(server);
  auto client = HttpClient::create();
  ASSERT_TRUE(client);
  for (const std::string path : {"/a", "/b", "/c"}) {
    const auto response = client->send({.method = "GET", .url = (*server)->url() + path});
    ASSERT_TRUE(response) << response.status();
    EXPECT_EQ(response->body, path);
  }
  EXPECT_EQ((*server)->requests().size(), 3U);
}

TEST(HttpClient, RefusedConnectionIsUnavailable) {
  std::string url;
  {
    auto server =
        LoopbackHttpServer::start([](const LoopbackHttpServer::Request&) { return LoopbackHttpServer::Reply{}; });
    ASSERT_TRUE(server);
    url = (*server)->url();
  }  // closed: nothing listens on that port now
  auto client = HttpClient::create();
  ASSERT_TRUE(client);
  const auto response = client->send({.method = "GET", .url = url + "/", .timeout = std::chrono::milliseconds(2000)});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("GET " + url + "/: "), std::string::npos) << response.status();
}

TEST(HttpClient, SlowServerTimesOut) {
  auto server = LoopbackHttpServer::start([](const LoopbackHttpServer::Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the peer under test is slow on purpose
    return LoopbackHttpServer::Reply{};
  });
  ASSERT_TRUE(server);
  auto client = HttpClient::create();
  ASSERT_TRUE(client);
  const auto response =
      client->send({.method = "GET", .url = (*server)->url() + "/slow", .timeout = std::chrono::milliseconds(200)});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded) << response.status();
}

}  // namespace
}  // namespace auditstream
