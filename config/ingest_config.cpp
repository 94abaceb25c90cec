#include "config/ingest_config.h"

#include <set>

#include "config/kafka_properties.h"
#include "config/map_reader.h"
#include "config/yaml_file.h"

namespace auditstream {
namespace {

constexpr std::string_view kClusterPlaceholder = "{cluster}";

// A cluster name goes into a topic name and a header: Kafka's topic characters only.
bool validClusterName(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status parseTls(const YamlFile& file, const YAML::Node& node, IngestConfig& config) {
  MapReader tls(file, node, "ingest.tls");
  RETURN_IF_ERROR(tls.expectMap());
  RETURN_IF_ERROR(tls.onlyKnown({"certificate", "key", "client_ca"}));
  RETURN_IF_ERROR(tls.string("certificate", config.certificateFile));
  RETURN_IF_ERROR(tls.string("key", config.keyFile));
  RETURN_IF_ERROR(tls.string("client_ca", config.clientCaFile));
  if (config.certificateFile.empty() || config.keyFile.empty()) {
    return file.errorAt(node, "ingest.tls needs certificate and key (PEM files): the endpoint is HTTPS only");
  }
  return Status::ok();
}

Status parseClients(const YamlFile& file, const YAML::Node& node, IngestConfig& config) {
  if (!node.IsSequence() || node.size() == 0) {
    return file.errorAt(node,
                        "ingest.clients must list at least one client ({cluster, token_file} or "
                        "{cluster, certificate_cn}): authentication is always on");
  }
  std::set<std::string> tokenFiles;
  std::set<std::string> names;
  for (const YAML::Node& item : node) {
    MapReader client(file, item, "ingest.clients[]");
    RETURN_IF_ERROR(client.expectMap());
    RETURN_IF_ERROR(client.onlyKnown({"cluster", "token_file", "certificate_cn"}));
    IngestClient parsed;
    RETURN_IF_ERROR(client.string("cluster", parsed.cluster));
    RETURN_IF_ERROR(client.string("token_file", parsed.tokenFile));
    RETURN_IF_ERROR(client.string("certificate_cn", parsed.certificateCn));
    if (!validClusterName(parsed.cluster)) {
      return file.errorAt(item["cluster"] ? item["cluster"] : item,
                          "ingest.clients[].cluster (" + parsed.cluster +
                              ") must be 1-200 characters of a-z, A-Z, 0-9, '.', '_' and '-' (it names a topic)");
    }
    if (parsed.tokenFile.empty() == parsed.certificateCn.empty()) {
      return file.errorAt(item,
                          "a client needs either token_file (a bearer token) or certificate_cn (a client "
                          "certificate's subject CN), not both or neither");
    }
    if (!parsed.certificateCn.empty() && config.clientCaFile.empty()) {
      return file.errorAt(item["certificate_cn"],
                          "certificate_cn needs ingest.tls.client_ca: the CAs that sign client certificates");
    }
    if (!parsed.tokenFile.empty() && !tokenFiles.insert(parsed.tokenFile).second) {
      return file.errorAt(item["token_file"], "token_file (" + parsed.tokenFile + ") is given to two clients");
    }
    if (!parsed.certificateCn.empty() && !names.insert(parsed.certificateCn).second) {
      return file.errorAt(item["certificate_cn"],
                          "certificate_cn (" + parsed.certificateCn + ") is given to two clients");
    }
    config.clients.push_back(std::move(parsed));
  }
  return Status::ok();
}

Status parseIngest(const YamlFile& file, const YAML::Node& node, IngestConfig& config) {
  MapReader ingest(file, node, "ingest");
  RETURN_IF_ERROR(ingest.expectMap());
  RETURN_IF_ERROR(
      ingest.onlyKnown({"address", "path", "tls", "clients", "topic", "key", "cluster_header", "max_body_bytes",
                        "max_events", "max_event_bytes", "produce_timeout", "dead_letter_topic", "threads"}));
  RETURN_IF_ERROR(ingest.string("address", config.address));
  RETURN_IF_ERROR(ingest.string("path", config.path));
  if (!config.path.starts_with("/")) return file.errorAt(node["path"], "ingest.path must start with /");
  if (!node["tls"]) return file.errorAt(node, "ingest needs tls: {certificate, key}: the endpoint is HTTPS only");
  RETURN_IF_ERROR(parseTls(file, node["tls"], config));
  if (!node["clients"]) return file.errorAt(node, "ingest needs clients: authentication is always on");
  RETURN_IF_ERROR(parseClients(file, node["clients"], config));
  RETURN_IF_ERROR(ingest.string("topic", config.topicTemplate));
  if (config.topicTemplate.find(kClusterPlaceholder) == std::string::npos && config.clients.size() > 1) {
    return file.errorAt(node["topic"], "ingest.topic (" + config.topicTemplate +
                                           ") needs {cluster} when there are several clients: one topic per cluster");
  }
  std::string key = "audit_id";
  RETURN_IF_ERROR(ingest.string("key", key));
  if (key == "audit_id") {
    config.key = IngestConfig::Key::kAuditId;
  } else if (key == "user") {
    config.key = IngestConfig::Key::kUser;
  } else if (key == "none") {
    config.key = IngestConfig::Key::kNone;
  } else {
    return file.errorAt(node["key"], "ingest.key (" + key + ") must be audit_id, user or none");
  }
  RETURN_IF_ERROR(ingest.string("cluster_header", config.clusterHeader));
  RETURN_IF_ERROR(ingest.number<std::size_t>("max_body_bytes", config.maxBodyBytes, 1024, 1U << 30U));
  RETURN_IF_ERROR(ingest.number<std::size_t>("max_events", config.maxEvents, 1, 1'000'000));
  RETURN_IF_ERROR(ingest.number<std::size_t>("max_event_bytes", config.maxEventBytes, 1024, 1U << 30U));
  RETURN_IF_ERROR(ingest.duration("produce_timeout", config.produceTimeout));
  RETURN_IF_ERROR(ingest.string("dead_letter_topic", config.deadLetterTopic));
  RETURN_IF_ERROR(ingest.number<unsigned>("threads", config.threads, 1, 256));
  return Status::ok();
}

Result<IngestConfig> parse(const YamlFile& file) {
  if (file.documents().size() != 1) return parseError(file.name() + ": the config must be one YAML document");
  const YAML::Node root = file.documents().front();
  IngestConfig config;
  MapReader map(file, root, "");
  RETURN_IF_ERROR(map.expectMap());
  RETURN_IF_ERROR(map.onlyKnown({"kafka", "ingest", "metrics"}));
  RETURN_IF_ERROR(readKafkaProperties(file, root, config.kafka));
  if (config.kafka.contains("test.mock.num.brokers")) {
    return file.errorAt(root["kafka"],
                        "ingest writes to a real Kafka cluster: kafka.test.mock.num.brokers (librdkafka's "
                        "mock cluster) would acknowledge events that nothing can read");
  }
  if (!root["ingest"]) return file.errorAt(root, "the config needs an ingest section");
  RETURN_IF_ERROR(parseIngest(file, root["ingest"], config));
  if (root["metrics"]) {
    MapReader metrics(file, root["metrics"], "metrics");
    RETURN_IF_ERROR(metrics.expectMap());
    RETURN_IF_ERROR(metrics.onlyKnown({"address"}));
    RETURN_IF_ERROR(metrics.string("address", config.metricsAddress));
  }
  return config;
}

}  // namespace

std::string IngestConfig::topicOf(std::string_view cluster) const {
  std::string topic = topicTemplate;
  for (std::size_t at = topic.find(kClusterPlaceholder); at != std::string::npos;
       at = topic.find(kClusterPlaceholder, at + cluster.size())) {
    topic.replace(at, kClusterPlaceholder.size(), cluster);
  }
  return topic;
}

Result<IngestConfig> loadIngestConfig(const std::string& path) {
  ASSIGN_OR_RETURN(YamlFile file, YamlFile::load(path));
  return parse(file);
}

Result<IngestConfig> parseIngestConfig(std::string_view text, const std::string& name) {
  ASSIGN_OR_RETURN(YamlFile file, YamlFile::parse(text, name));
  return parse(file);
}

}  // namespace auditstream
