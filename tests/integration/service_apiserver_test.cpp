// A real kube-apiserver (deploy/kube-apiserver/kube-apiserver-local: v1.36.3 built from the Go module
// proxy, Debian's etcd) with the recommended audit policy (deploy/audit-policy/policy.yaml) and its audit
// webhook backend pointed at `auditstream ingest`, which writes to Kafka, where `auditstream run` detects.
// - Real requests made with bearer tokens — a privileged pod with a host mount, a shell exec into it, a
//   ClusterRoleBinding to cluster-admin, an unprivileged user's burst of forbidden secret reads, one
//   identity reading many secrets one by one — raise their alerts end to end; and the apiserver's own
//   audit log file, replayed, gives the same alert ids as the alerts topic holds.
// - The broker stopped while the apiserver posts: ingest answers 503, the apiserver's webhook backend
//   retries with backoff, and once the broker is back every event is on the topic.
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <thread>

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

const std::string kCluster = "prod-1";
const std::string kToken = "token-of-prod-1";

// Runs `kube-apiserver-local VERB DIR [FLAG...]`; what it prints (the URL for start), or "" on failure.
std::string apiserverLocal(const std::string& verb, const fs::path& dir, const std::string& flags = "") {
  const std::string command = std::string(AUDITSTREAM_KUBE_APISERVER_LOCAL) + " " + verb + " " + dir.string() + " " +
                              flags + " 2>>" + (dir.parent_path() / "apiserver-local.log").string();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char line[512] = {};
  std::string out;
  while (std::fgets(line, sizeof line, pipe) != nullptr) out += line;
  if (pclose(pipe) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return verb == "stop" ? "stopped" : out;
}

class ApiserverWebhook : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = testing::uniqueName("apiserver");
    work_ = fs::temp_directory_path() / run_;
    fs::create_directories(work_);
    certificates_ = std::make_unique<Certificates>(work_ / "tls");
    ASSERT_TRUE(certificates_->ok()) << fileText(certificates_->path("openssl.log"));
    std::ofstream(work_ / "token") << kToken << "\n";
  }
  void TearDown() override {
    for (pid_t pid : {runPid_, ingestPid_}) {
      if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, nullptr, 0);
      }
    }
    if (apiserverStarted_) apiserverLocal("stop", work_ / "apiserver");
    if (HasFailure()) {
      std::cerr << "---- ingest\n"
                << fileText((work_ / "ingest.log").string()) << "\n---- run\n"
                << fileText((work_ / "run.log").string()) << "\n---- kube-apiserver-local\n"
                << fileText((work_ / "apiserver-local.log").string()) << "\n";
    }
  }

  std::string topic() const { return run_ + ".audit." + kCluster; }
  std::string alerts() const { return run_ + ".alerts"; }
  fs::path auditLog() const { return work_ / "apiserver" / "audit.log"; }

  void createTopics() {
    auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap_}}).value();
    for (const std::string& name : {topic(), alerts()}) {
      ASSERT_TRUE(createTopic(admin.get(), TopicSpec{name, 3, 1}, std::chrono::seconds(30)).isOk()) << name;
    }
  }

  void startIngest(const std::string& extra = "") {
    ingestPort_ = freePort();
    ingestMetrics_ = freePort();
    const std::string config = (work_ / "ingest.yml").string();
    std::ofstream(config) << "kafka: {bootstrap.servers: '" << bootstrap_ << "'}\n"
                          << "ingest:\n  address: 127.0.0.1:" << ingestPort_ << "\n"
                          << "  tls: {certificate: " << certificates_->path("server.crt")
                          << ", key: " << certificates_->path("server.key") << "}\n"
                          << "  clients: [{cluster: " << kCluster << ", token_file: " << (work_ / "token").string()
                          << "}]\n  topic: '" << run_ << ".audit.{cluster}'\n"
                          << extra << "metrics: {address: '127.0.0.1:" << ingestMetrics_ << "'}\n";
    ingestPid_ = spawnCommand({"ingest", "--config", config}, (work_ / "ingest.log").string());
    ASSERT_TRUE(testing::waitUntil(
        [&] {
          return fileText((work_ / "ingest.log").string()).find("serving the audit webhook") != std::string::npos;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(50)))
        << fileText((work_ / "ingest.log").string());
  }

  // The apiserver with the recommended policy, its audit log, and the webhook backend posting to ingest
  // (batches of at most 1 s; a failed batch is retried from `initialBackoff`, 1.5x each time).
  void startApiserver(const std::string& initialBackoff = "1s") {
    const fs::path kubeconfig = work_ / "webhook-kubeconfig.yaml";
    std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\nclusters:\n- name: auditstream\n  cluster:\n"
                              << "    server: https://localhost:" << ingestPort_ << "/audit\n"
                              << "    certificate-authority: " << certificates_->path("ca.crt") << "\n"
                              << "users:\n- name: apiserver\n  user:\n    token: " << kToken << "\n"
                              << "contexts:\n- name: default\n  context: {cluster: auditstream, user: apiserver}\n"
                              << "current-context: default\n";
    const fs::path dir = work_ / "apiserver";
    fs::create_directories(dir);
    apiserverStarted_ = true;
    url_ = apiserverLocal("start", dir,
                          "--audit-policy-file=" + (kSource / "deploy/audit-policy/policy.yaml").string() +
                              " --audit-log-path=" + auditLog().string() + " --audit-log-format=json" +
                              " --audit-webhook-config-file=" + kubeconfig.string() +
                              " --audit-webhook-batch-max-wait=1s --audit-webhook-initial-backoff=" + initialBackoff);
    ASSERT_FALSE(url_.empty()) << fileText((work_ / "apiserver-local.log").string());
  }

  void startRun() {
    const int port = freePort();
    const std::string config = (work_ / "run.yml").string();
    std::ofstream(config) << "kafka: {bootstrap.servers: '" << bootstrap_ << "', group.id: " << run_ << "}\n"
                          << "topics: [" << topic() << "]\nrules: [" << (kSource / "config/rules").string() << "]\n"
                          << "sinks: {kafka_topic: " << alerts() << "}\nworkers: 1\n"
                          << "correlation: {idle_timeout: 2s, signals_partitions: 2}\n"
                          << "metrics: {address: '127.0.0.1:" << port << "'}\n";
    runPid_ = spawnService(config, (work_ / "run.log").string());
    ASSERT_GT(runPid_, 0);
  }

  // A request to the apiserver as `user` (admin, alice, bob: deploy/kube-apiserver/kube-apiserver-local).
  long request(const std::string& user, const std::string& method, const std::string& path,
               const std::string& body = "") {
    TlsOptions tls;
    tls.insecureSkipVerify = true;  // the apiserver's self-signed serving certificate
    HttpRequest call;
    call.method = method;
    call.url = url_ + path;
    call.body = body;
    call.headers = {"Authorization: Bearer " + user + "-token", "Content-Type: application/json"};
    call.timeout = std::chrono::seconds(30);
    call.tls = &tls;
    Result<HttpClient> client = HttpClient::create();
    if (!client) return 0;
    const Result<HttpResponse> response = client->send(call);
    return response ? response->status : 0;
  }

  std::string run_;
  fs::path work_;
  std::unique_ptr<Certificates> certificates_;
  std::string bootstrap_;
  std::string url_;
  bool apiserverStarted_ = false;
  pid_t ingestPid_ = -1;
  pid_t runPid_ = -1;
  int ingestPort_ = 0;
  int ingestMetrics_ = 0;
};

// rule title → alert ids, from the alerts topic.
std::map<std::string, std::set<std::string>> alertsByTitle(const std::string& bootstrap, const std::string& topic) {
  simdjson::dom::parser parser;
  std::map<std::string, std::set<std::string>> byTitle;
  for (const testing::ReceivedMessage& message : readAll(bootstrap, topic)) {
    const simdjson::dom::element alert = parser.parse(message.value);
    byTitle[std::string(std::string_view(alert["rule"]["title"]))].insert(std::string(std::string_view(alert["id"])));
  }
  return byTitle;
}

TEST_F(ApiserverWebhook, RealRequestsRaiseTheirAlertsEndToEndAndTheAuditLogReplaysToTheSameIds) {
  const Result<std::string> bootstrap = testing::kafkaBootstrap();
  ASSERT_TRUE(bootstrap) << bootstrap.status();
  bootstrap_ = *bootstrap;
  ASSERT_NO_FATAL_FAILURE(createTopics());
  ASSERT_NO_FATAL_FAILURE(startIngest());
  ASSERT_NO_FATAL_FAILURE(startApiserver());
  ASSERT_NO_FATAL_FAILURE(startRun());

  // A privileged pod with the host's root mounted, and a shell "exec" into it (no kubelet runs: the
  // apiserver answers with an error, after authorising and auditing the request).
  EXPECT_EQ(request("admin", "POST", "/api/v1/namespaces/default/pods",
                    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"breakout"},"spec":{"containers":[)"
                    R"({"name":"c","image":"busybox","securityContext":{"privileged":true},)"
                    R"("volumeMounts":[{"name":"host","mountPath":"/host"}]}],)"
                    R"("volumes":[{"name":"host","hostPath":{"path":"/"}}]}})"),
            201);
  request("admin", "POST", "/api/v1/namespaces/default/pods/breakout/exec?command=sh&stdin=true&tty=true&container=c");
  // alice made cluster-admin.
  EXPECT_EQ(request("admin", "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                    R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding",)"
                    R"("metadata":{"name":"alice-admin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io",)"
                    R"("kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"alice",)"
                    R"("apiGroup":"rbac.authorization.k8s.io"}]})"),
            201);
  // bob, who may do nothing, tries secret after secret: a burst of 403s.
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(request("bob", "GET", "/api/v1/namespaces/kube-system/secrets/s" + std::to_string(i)), 403);
  }
  // admin reads 16 secrets one by one.
  for (int i = 0; i < 16; ++i) {
    const std::string name = "harvest-" + std::to_string(i);
    EXPECT_EQ(request("admin", "POST", "/api/v1/namespaces/default/secrets",
                      R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":")" + name +
                          R"("},"stringData":{"password":"hunter2"}})"),
              201);
    EXPECT_EQ(request("admin", "GET", "/api/v1/namespaces/default/secrets/" + name), 200);
  }

  const std::vector<std::string> wanted = {"Privileged Container Requested",
                                           "Sensitive Host Path Mounted Into a Pod",
                                           "Interactive Shell Opened In a Pod",
                                           "Binding To the cluster-admin Role",
                                           "Burst of Forbidden Requests By One Identity",
                                           "Many Distinct Secrets Read By One Identity"};
  std::map<std::string, std::set<std::string>> byTitle;
  const bool allRaised = testing::waitUntil(
      [&] {
        byTitle = alertsByTitle(bootstrap_, alerts());
        for (const std::string& title : wanted) {
          if (!byTitle.contains(title)) return false;
        }
        return true;
      },
      std::chrono::seconds(120), std::chrono::seconds(2));
  for (const std::string& title : wanted) EXPECT_TRUE(byTitle.contains(title)) << "no alert: " << title;
  ASSERT_TRUE(allRaised);
  // The policy keeps secrets' contents out of the log: the secret's value never reached Kafka.
  for (const testing::ReceivedMessage& message : readAll(bootstrap_, topic())) {
    EXPECT_EQ(message.value.find("hunter2"), std::string::npos) << message.value;
  }

  // The same events from the apiserver's log file give the same alert ids (once the webhook has
  // delivered what the log holds: batches leave at most a second later).
  std::set<std::string> fromLog;
  std::set<std::string> onTopic;
  const bool same = testing::waitUntil(
      [&] {
        fromLog = replayAlertIds(kCluster, {auditLog()});
        onTopic.clear();
        for (const auto& [title, ids] : alertsByTitle(bootstrap_, alerts())) onTopic.insert(ids.begin(), ids.end());
        return fromLog == onTopic;
      },
      std::chrono::seconds(60), std::chrono::seconds(2));
  std::vector<std::string> onlyInLog;
  std::set_difference(fromLog.begin(), fromLog.end(), onTopic.begin(), onTopic.end(), std::back_inserter(onlyInLog));
  std::vector<std::string> onlyOnTopic;
  std::set_difference(onTopic.begin(), onTopic.end(), fromLog.begin(), fromLog.end(), std::back_inserter(onlyOnTopic));
  EXPECT_TRUE(same) << onlyInLog.size() << " alert ids only from the log, " << onlyOnTopic.size()
                    << " only on the alerts topic (of " << fromLog.size() << " from the log)";
  RecordProperty("alert_ids", static_cast<int>(fromLog.size()));
}

// The broker stopped while the apiserver posts its batches: ingest answers 503 and the apiserver's
// webhook backend retries (from 5 s, 1.5x, 5 tries: about 40 s); with the broker back within that,
// every audited request is on the topic.
TEST_F(ApiserverWebhook, ABatchKafkaCouldNotTakeIsRetriedByTheApiserverAndArrives) {
  const fs::path brokerDir = work_ / "kafka";
  bootstrap_ = kafkaLocal("start", brokerDir);
  ASSERT_FALSE(bootstrap_.empty()) << fileText((work_ / "kafka-local.log").string());
  ASSERT_NO_FATAL_FAILURE(createTopics());
  ASSERT_NO_FATAL_FAILURE(startIngest("  produce_timeout: 2s\n"));
  ASSERT_NO_FATAL_FAILURE(startApiserver("5s"));
  ASSERT_TRUE(testing::waitUntil([&] { return !readAll(bootstrap_, topic()).empty(); }, std::chrono::seconds(60),
                                 std::chrono::seconds(1)))
      << "the apiserver's own start-up requests never arrived";

  ASSERT_EQ(kafkaLocal("stop", brokerDir), "stopped");
  const int kMarkers = 5;
  for (int i = 0; i < kMarkers; ++i) {
    EXPECT_EQ(request("admin", "GET", "/api/v1/namespaces/default/configmaps/outage-marker-" + std::to_string(i)), 404);
  }
  // At least one batch holding them was refused while the broker was down.
  EXPECT_TRUE(testing::waitUntil(
      [&] {
        return metricValue(ingestMetrics_, R"(auditstream_ingest_requests_total{cluster="prod-1",code="503"})") > 0;
      },
      std::chrono::seconds(20), std::chrono::milliseconds(200)));
  ASSERT_FALSE(kafkaLocal("restart", brokerDir).empty()) << fileText((work_ / "kafka-local.log").string());

  std::set<std::string> seen;
  const bool arrived = testing::waitUntil(
      [&] {
        for (const testing::ReceivedMessage& message : readAll(bootstrap_, topic())) {
          for (int i = 0; i < kMarkers; ++i) {
            const std::string marker = "outage-marker-" + std::to_string(i);
            if (message.value.find("\"" + marker + "\"") != std::string::npos) seen.insert(marker);
          }
        }
        return seen.size() == static_cast<std::size_t>(kMarkers);
      },
      std::chrono::seconds(60), std::chrono::seconds(2));
  EXPECT_TRUE(arrived) << seen.size() << " of " << kMarkers << " audited requests arrived after the outage";
  kill(ingestPid_, SIGTERM);
  waitpid(ingestPid_, nullptr, 0);
  ingestPid_ = -1;
  apiserverLocal("stop", work_ / "apiserver");
  apiserverStarted_ = false;
  kafkaLocal("stop", brokerDir);
}

}  // namespace
}  // namespace auditstream
