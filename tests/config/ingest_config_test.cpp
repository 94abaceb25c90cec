#include "config/ingest_config.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

const std::string kKafka = "kafka: {bootstrap.servers: 'k:9092'}\n";
const std::string kTls = "  tls: {certificate: s.crt, key: s.key, client_ca: ca.crt}\n";

std::string problem(const std::string& text) {
  const Result<IngestConfig> config = parseIngestConfig(text, "i.yml");
  return config ? "ok" : config.status().message();
}

TEST(IngestConfig, ClientsTlsAndDefaults) {
  const Result<IngestConfig> config = parseIngestConfig(
      kKafka + "ingest:\n" + kTls +
          "  clients:\n    - {cluster: prod-1, token_file: /run/t1}\n    - {cluster: prod-2, certificate_cn: api-2}\n"
          "metrics: {address: ''}\n",
      "i.yml");
  ASSERT_TRUE(config) << config.status();
  EXPECT_EQ(config->address, "0.0.0.0:8443");
  EXPECT_EQ(config->path, "/audit");
  EXPECT_EQ(config->clients.size(), 2U);
  EXPECT_EQ(config->clients[1].certificateCn, "api-2");
  EXPECT_EQ(config->topicOf("prod-2"), "audit.prod-2");
  EXPECT_EQ(config->key, IngestConfig::Key::kAuditId);
  EXPECT_EQ(config->maxEvents, 1000U);
  EXPECT_EQ(config->produceTimeout, std::chrono::seconds(10));
  EXPECT_EQ(config->metricsAddress, "");
}

TEST(IngestConfig, EveryRefusalSaysWhereAndWhy) {
  const std::string clients = "  clients: [{cluster: prod-1, token_file: /run/t1}]\n";
  EXPECT_EQ(problem(kKafka + "ingest:\n" + clients),
            "i.yml:3:3: ingest needs tls: {certificate, key}: the endpoint "
            "is HTTPS only");
  EXPECT_EQ(problem(kKafka + "ingest:\n  tls: {certificate: s.crt}\n" + clients),
            "i.yml:3:8: ingest.tls needs certificate and key (PEM files): the endpoint is HTTPS only");
  EXPECT_EQ(problem(kKafka + "ingest:\n" + kTls + "  clients: []\n"),
            "i.yml:4:12: ingest.clients must list at least one client ({cluster, token_file} or {cluster, "
            "certificate_cn}): authentication is always on");
  EXPECT_EQ(problem(kKafka + "ingest:\n" + kTls + "  clients: [{cluster: 'prod 1', token_file: t}]\n"),
            "i.yml:4:23: ingest.clients[].cluster (prod 1) must be 1-200 characters of a-z, A-Z, 0-9, '.', '_' "
            "and '-' (it names a topic)");
  EXPECT_EQ(problem(kKafka + "ingest:\n" + kTls + "  clients: [{cluster: a, token_file: t, certificate_cn: c}]\n"),
            "i.yml:4:13: a client needs either token_file (a bearer token) or certificate_cn (a client "
            "certificate's subject CN), not both or neither");
  EXPECT_EQ(problem(kKafka + "ingest:\n  tls: {certificate: s.crt, key: s.key}\n"
                             "  clients: [{cluster: a, certificate_cn: c}]\n"),
            "i.yml:4:42: certificate_cn needs ingest.tls.client_ca: the CAs that sign client certificates");
  EXPECT_EQ(
      problem(kKafka + "ingest:\n" + kTls + "  clients: [{cluster: a, token_file: t}, {cluster: b, token_file: t}]\n"),
      "i.yml:4:67: token_file (t) is given to two clients");
  EXPECT_EQ(problem(kKafka + "ingest:\n" + kTls +
                    "  clients: [{cluster: a, token_file: t}, {cluster: b, token_file: u}]\n  topic: audit\n"),
            "i.yml:5:10: ingest.topic (audit) needs {cluster} when there are several clients: one topic per cluster");
  EXPECT_EQ(problem(kKafka + "ingest:\n" + kTls + clients + "  key: namespace\n"),
            "i.yml:5:8: ingest.key (namespace) must be audit_id, user or none");
  EXPECT_EQ(problem(kKafka + "ingest:\n" + kTls + clients + "  listen: 1\n"),
            "i.yml:5:3: unknown key 'ingest.listen' (known here: address, clients, cluster_header, dead_letter_topic, "
            "key, max_body_bytes, max_event_bytes, max_events, path, produce_timeout, threads, tls, topic)");
  EXPECT_EQ(problem("kafka: {bootstrap.servers: 'k:9092', test.mock.num.brokers: 1}\ningest:\n" + kTls + clients),
            "i.yml:1:8: ingest writes to a real Kafka cluster: kafka.test.mock.num.brokers (librdkafka's mock "
            "cluster) would acknowledge events that nothing can read");
}

}  // namespace
}  // namespace auditstream
