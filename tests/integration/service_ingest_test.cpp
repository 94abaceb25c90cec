// `auditstream ingest` on the real broker, as a separate process, over real TLS: what a kube-apiserver's
// audit webhook backend sees (the end-to-end test with a real apiserver is apiserver_webhook_test).
// - A 400-event EventList lands event by event on its cluster's topic — keyed by auditID, with the
//   cluster header `run` reads — and is answered 200 only then.
// - Bearer tokens and client certificates name the cluster; a wrong or missing credential is 401, a
//   certificate of no client 403, a certificate of another CA fails the handshake. Nothing is written.
// - 413 past the body and event bounds, 400 for what is not audit JSON (Falco's `{"kind": 0}` included),
//   and a malformed event inside a batch costs only itself: the others are written, the body goes to the
//   dead-letter topic.
// - Kafka down: 503 with Retry-After, /readyz 503; back up: the retried batch is all there.
// - A missing topic stops start-up with one line naming it.
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>

#include "sinks/http_client.h"
#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"
#include "tests/integration/service_harness.h"
#include "tests/integration/tls_material.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

using namespace service_it;  // NOLINT(google-build-using-namespace): the harness of these tests

std::string event(const std::string& auditId) {
  return R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":")" + auditId +
         R"(","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/secrets?limit=500","verb":"list",)"
         R"("user":{"username":"alice","groups":["system:authenticated"]},"sourceIPs":["10.0.0.7"],)"
         R"("userAgent":"kubectl/v1.36.3 (linux/amd64) kubernetes/abcdef","objectRef":{"resource":"secrets",)"
         R"("namespace":"default","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},)"
         R"("requestReceivedTimestamp":"2026-12-07T10:00:00.000000Z","stageTimestamp":"2026-12-07T10:00:00.004000Z",)"
         R"("annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}})";
}

std::string eventList(const std::vector<std::string>& items) {
  std::string body = R"({"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) body += (i == 0 ? "" : ",") + items[i];
  return body + "]}";
}

std::vector<std::string> events(const std::string& prefix, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(event(prefix + "-" + std::to_string(i)));
  return out;
}

class Ingest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certificates_ = new Certificates(fs::temp_directory_path() / testing::uniqueName("ingest-tls"));
  }
  static void TearDownTestSuite() { delete certificates_; }

  void SetUp() override {
    ASSERT_TRUE(certificates_->ok()) << fileText(certificates_->path("openssl.log"));
    run_ = testing::uniqueName("ingest");
    work_ = fs::temp_directory_path() / run_;
    fs::create_directories(work_);
    std::ofstream(work_ / "token-prod-1") << "token-of-prod-1\n";
    const Result<std::string> bootstrap = testing::kafkaBootstrap();
    ASSERT_TRUE(bootstrap) << bootstrap.status();
    bootstrap_ = *bootstrap;
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (HasFailure()) std::cerr << "---- ingest log\n" << fileText(log()) << "\n";
    fs::remove_all(work_);
  }

  std::string topic(const std::string& cluster) const { return run_ + ".audit." + cluster; }
  std::string deadLetters() const { return run_ + ".rejected"; }
  std::string log() const { return (work_ / "ingest.log").string(); }

  void createTopics() {
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap_}}).value();
    for (const std::string& name : {topic("prod-1"), topic("prod-2"), deadLetters()}) {
      ASSERT_TRUE(createTopic(admin.get(), TopicSpec{name, 3, 1}, std::chrono::seconds(30)).isOk()) << name;
    }
  }

  // Writes the config and starts `auditstream ingest`; waits until it serves (or has exited).
  void startIngest(const std::string& extra = "") {
    httpsPort_ = freePort();
    metricsPort_ = freePort();
    const std::string config = (work_ / "ingest.yml").string();
    std::ofstream(config) << "kafka: {bootstrap.servers: '" << bootstrap_ << "'}\n"
                          << "ingest:\n  address: 127.0.0.1:" << httpsPort_ << "\n"
                          << "  tls: {certificate: " << certificates_->path("server.crt")
                          << ", key: " << certificates_->path("server.key")
                          << ", client_ca: " << certificates_->path("ca.crt") << "}\n"
                          << "  clients:\n    - {cluster: prod-1, token_file: " << (work_ / "token-prod-1").string()
                          << "}\n    - {cluster: prod-2, certificate_cn: apiserver-prod-2}\n"
                          << "  topic: '" << run_ << ".audit.{cluster}'\n  dead_letter_topic: " << deadLetters()
                          << "\n  max_body_bytes: 1048576\n"
                          << extra << "metrics: {address: '127.0.0.1:" << metricsPort_ << "'}\n";
    pid_ = spawnCommand({"ingest", "--config", config}, log());
    ASSERT_GT(pid_, 0);
    ASSERT_TRUE(testing::waitUntil(
        [&] {
          return fileText(log()).find("serving the audit webhook") != std::string::npos ||
                 waitpid(pid_, nullptr, WNOHANG) == pid_;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(50)))
        << fileText(log());
    ASSERT_NE(fileText(log()).find("serving the audit webhook"), std::string::npos) << fileText(log());
  }

  struct Answer {
    long status = 0;  // 0: no HTTP exchange (the TLS handshake failed)
    std::string body;
  };
  Answer post(const std::string& body, const std::string& token = "token-of-prod-1",
              const std::string& certificate = "") {
    TlsOptions tls;
    tls.caFile = certificates_->path("ca.crt");
    if (!certificate.empty()) {
      tls.certFile = certificates_->path(certificate + ".crt");
      tls.keyFile = certificates_->path(certificate + ".key");
    }
    HttpRequest request;
    request.method = "POST";
    request.url = "https://localhost:" + std::to_string(httpsPort_) + "/audit";
    request.body = body;
    request.headers = {"Content-Type: application/json"};
    if (!token.empty()) request.headers.push_back("Authorization: Bearer " + token);
    request.timeout = std::chrono::seconds(30);
    request.tls = &tls;
    Result<HttpClient> client = HttpClient::create();
    if (!client) return {};
    const Result<HttpResponse> response = client->send(request);
    if (!response) return {0, response.status().message()};
    return {response->status, response->body};
  }

  static Certificates* certificates_;
  std::string run_;
  fs::path work_;
  std::string bootstrap_;
  pid_t pid_ = -1;
  int httpsPort_ = 0;
  int metricsPort_ = 0;
};

Certificates* Ingest::certificates_ = nullptr;

TEST_F(Ingest, ABatchLandsEventByEventOnItsClustersTopicKeyedByAuditIdWithTheClusterHeader) {
  ASSERT_NO_FATAL_FAILURE(createTopics());
  ASSERT_NO_FATAL_FAILURE(startIngest());
  const std::vector<std::string> sent = events("batch", 400);
  const Answer answer = post(eventList(sent));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find("\"events\":400,\"rejected\":0"), std::string::npos) << answer.body;
  // Acknowledged before the answer: every event is readable now.
  const std::vector<testing::ReceivedMessage> received = readAll(bootstrap_, topic("prod-1"));
  ASSERT_EQ(received.size(), sent.size());
  std::map<std::string, std::string> byKey;
  for (const testing::ReceivedMessage& message : received) {
    EXPECT_EQ(message.headers.at("cluster"), "prod-1");
    byKey[message.key] = message.value;
  }
  for (int i = 0; i < 400; ++i) EXPECT_EQ(byKey["batch-" + std::to_string(i)], sent[static_cast<std::size_t>(i)]);
  EXPECT_EQ(metricValue(metricsPort_, R"(auditstream_ingest_events_total{cluster="prod-1"})"), 400);
  EXPECT_EQ(metricValue(metricsPort_, R"(auditstream_ingest_requests_total{cluster="prod-1",code="200"})"), 1);
  EXPECT_EQ(httpGet(metricsPort_, "/readyz").substr(0, 3), "200");
}

TEST_F(Ingest, ClientCertificatesNameTheirClusterAndOnlyTheCasCertificatesOfClientsGetIn) {
  ASSERT_NO_FATAL_FAILURE(createTopics());
  ASSERT_NO_FATAL_FAILURE(startIngest());
  Answer answer = post(eventList(events("cert", 3)), "", "prod-2");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(readAll(bootstrap_, topic("prod-2")).size(), 3U);
  answer = post(eventList(events("stranger", 3)), "", "stranger");
  EXPECT_EQ(answer.status, 403) << answer.body;
  answer = post(eventList(events("forged", 3)), "", "forged");
  EXPECT_EQ(answer.status, 0) << "a certificate of another CA must fail the handshake: " << answer.body;
  answer = post(eventList(events("nothing", 3)), "");
  EXPECT_EQ(answer.status, 401) << answer.body;
  answer = post(eventList(events("wrong", 3)), "token-of-nobody");
  EXPECT_EQ(answer.status, 401) << answer.body;
  EXPECT_EQ(readAll(bootstrap_, topic("prod-2")).size(), 3U);
  EXPECT_TRUE(readAll(bootstrap_, topic("prod-1")).empty());
}

TEST_F(Ingest, OversizedRequestsGet413AndWhatIsNotAuditJsonGets400AndTheServiceGoesOn) {
  ASSERT_NO_FATAL_FAILURE(createTopics());
  ASSERT_NO_FATAL_FAILURE(startIngest("  max_events: 500\n"));
  Answer answer = post(std::string(2U << 20U, ' '));  // past max_body_bytes (1 MiB)
  EXPECT_EQ(answer.status, 413) << answer.body;
  answer = post(eventList(events("many", 501)));
  EXPECT_EQ(answer.status, 413) << answer.body;
  answer = post("hello");
  EXPECT_EQ(answer.status, 400) << answer.body;
  answer = post(fileText((kSource / "../shared/datasets/falco-k8saudit/k8s_audit/fal_01_003.json").string()));
  EXPECT_EQ(answer.status, 400) << answer.body;  // {"kind": 0}
  EXPECT_NE(answer.body.find("not an audit.k8s.io EventList or Event"), std::string::npos) << answer.body;
  answer = post(eventList(events("after", 5)));
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(readAll(bootstrap_, topic("prod-1")).size(), 5U);
}

TEST_F(Ingest, AMalformedEventInABatchCostsOnlyItselfAndTheBodyIsDeadLettered) {
  ASSERT_NO_FATAL_FAILURE(createTopics());
  ASSERT_NO_FATAL_FAILURE(startIngest());
  std::vector<std::string> sent = events("mixed", 400);
  sent[200] = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":200,"verb":["list"]})";
  const std::string body = eventList(sent);
  const Answer answer = post(body);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find("\"events\":399,\"rejected\":1"), std::string::npos) << answer.body;
  EXPECT_EQ(readAll(bootstrap_, topic("prod-1")).size(), 399U);
  const std::vector<testing::ReceivedMessage> dead = readAll(bootstrap_, deadLetters());
  ASSERT_EQ(dead.size(), 1U);
  EXPECT_EQ(dead[0].value, body);
  EXPECT_EQ(dead[0].headers.at("reject_reason"), "not_an_event");
  EXPECT_EQ(dead[0].headers.at("rejected_events"), "1");
  EXPECT_EQ(dead[0].headers.at("cluster"), "prod-1");
  EXPECT_EQ(
      metricValue(metricsPort_, R"(auditstream_ingest_rejected_events_total{cluster="prod-1",reason="not_an_event"})"),
      1);
}

TEST_F(Ingest, AMissingTopicStopsStartUpWithOneLineNamingIt) {
  const std::string config = (work_ / "ingest.yml").string();
  std::ofstream(config) << "kafka: {bootstrap.servers: '" << bootstrap_ << "'}\n"
                        << "ingest:\n  tls: {certificate: " << certificates_->path("server.crt")
                        << ", key: " << certificates_->path("server.key") << "}\n"
                        << "  clients: [{cluster: prod-1, token_file: " << (work_ / "token-prod-1").string() << "}]\n"
                        << "  topic: '" << run_ << ".absent.{cluster}'\nmetrics: {address: ''}\n";
  const pid_t pid = spawnCommand({"ingest", "--config", config}, log());
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << fileText(log());
  const std::vector<std::string> logLines = lines(log());
  ASSERT_EQ(logLines.size(), 1U) << fileText(log());
  EXPECT_NE(logLines[0].find("topics missing on the Kafka cluster: " + run_ + ".absent.prod-1"), std::string::npos)
      << logLines[0];
}

// Kafka down mid-stream: the apiserver's batch gets 503 (it retries with backoff), /readyz says why;
// once the broker is back the retried batch is written whole.
TEST_F(Ingest, KafkaDownGets503AndTheRetriedBatchIsAllThereOnceItIsBack) {
  const fs::path brokerDir = work_ / "kafka";
  bootstrap_ = kafkaLocal("start", brokerDir);
  ASSERT_FALSE(bootstrap_.empty()) << fileText((work_ / "kafka-local.log").string());
  ASSERT_NO_FATAL_FAILURE(createTopics());
  ASSERT_NO_FATAL_FAILURE(startIngest("  produce_timeout: 3s\n"));
  ASSERT_EQ(post(eventList(events("before", 10))).status, 200);
  ASSERT_EQ(kafkaLocal("stop", brokerDir), "stopped");
  const std::vector<std::string> sent = events("during", 400);
  const Answer refused = post(eventList(sent));
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_TRUE(testing::waitUntil([&] { return httpGet(metricsPort_, "/readyz").starts_with("503"); },
                                 std::chrono::seconds(20), std::chrono::milliseconds(200)))
      << httpGet(metricsPort_, "/readyz");
  ASSERT_FALSE(kafkaLocal("restart", brokerDir).empty()) << fileText((work_ / "kafka-local.log").string());
  // What the apiserver does: the same batch again until it is taken.
  bool taken = false;
  for (int attempt = 0; attempt < 30 && !taken; ++attempt) {
    taken = post(eventList(sent)).status == 200;
    if (!taken) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  ASSERT_TRUE(taken) << "the retried batch was never taken";
  std::set<std::string> keys;
  for (const testing::ReceivedMessage& message : readAll(bootstrap_, topic("prod-1"))) keys.insert(message.key);
  for (int i = 0; i < 400; ++i) EXPECT_TRUE(keys.contains("during-" + std::to_string(i))) << i;
  EXPECT_TRUE(testing::waitUntil([&] { return httpGet(metricsPort_, "/readyz").starts_with("200"); },
                                 std::chrono::seconds(20), std::chrono::milliseconds(200)));
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  kafkaLocal("stop", brokerDir);
}

}  // namespace
}  // namespace auditstream
