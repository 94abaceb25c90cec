// IngestConfig: `auditstream ingest --config FILE` — the HTTPS endpoint for kube-apiservers' audit
// webhook backends, which writes each event it receives to its cluster's Kafka topic (docs/ingest.md).
// Parsed and validated in one function like ServiceConfig: defaults filled, unknown keys rejected,
// every problem as `file:line:col: what is wrong`. Immutable once parsed.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace auditstream {

// Who may post, and which cluster its events are: a bearer token (read from `tokenFile` at start-up) or
// a client certificate signed by `tls.client_ca` whose subject CN is `certificateCn`.
struct IngestClient {
  std::string cluster;
  std::string tokenFile;
  std::string certificateCn;
};

struct IngestConfig {
  std::map<std::string, std::string> kafka;  // librdkafka producer properties, passed through
  std::string address = "0.0.0.0:8443";      // HTTPS only
  std::string path = "/audit";               // where the webhook POSTs (the kubeconfig's server URL path)
  std::string certificateFile;               // PEM: the server's certificate (chain)
  std::string keyFile;                       // PEM: its private key
  std::string clientCaFile;                  // PEM: CAs of client certificates; empty: tokens only
  std::vector<IngestClient> clients;         // at least one: authentication is always on
  std::string topicTemplate = "audit.{cluster}";
  enum class Key { kAuditId, kUser, kNone };  // the Kafka message key of each event
  Key key = Key::kAuditId;
  std::string clusterHeader = "cluster";  // the header `run` reads the cluster from (cluster.header)
  std::size_t maxBodyBytes = 64U << 20U;  // 413 past it
  std::size_t maxEvents = 1000;           // per request; 413 past it (the apiserver sends ≤ 400 by default)
  std::size_t maxEventBytes = 1'000'000;  // an event past it is rejected (the broker's message.max.bytes)
  std::chrono::milliseconds produceTimeout{10'000};  // 503 when Kafka has not acknowledged a batch by then
  std::string deadLetterTopic;                       // requests with rejected events; empty: counted, logged
  unsigned threads = 8;                              // requests served at once
  std::string metricsAddress = "127.0.0.1:9109";     // /metrics, /healthz, /readyz (HTTP); empty: none

  // `topicTemplate` with `{cluster}` replaced.
  std::string topicOf(std::string_view cluster) const;
};

// Errors: ioError (cannot read), parseError (`file:line:col: reason`).
Result<IngestConfig> loadIngestConfig(const std::string& path);
Result<IngestConfig> parseIngestConfig(std::string_view text, const std::string& name);

}  // namespace auditstream
