#include "config/service_config.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <regex>
#include <set>

#include "config/kafka_properties.h"
#include "config/map_reader.h"
#include "config/yaml_file.h"
#include "engine/correlation_spec.h"
#include "engine/field_path.h"

namespace auditstream {
namespace {

// The member's default transactional.id: stable across its restarts on one host (a StatefulSet's pod).
std::string hostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

Status parseCluster(const YamlFile& file, const YAML::Node& node, ClusterIdentity& cluster) {
  MapReader map(file, node, "cluster");
  RETURN_IF_ERROR(map.expectMap());
  RETURN_IF_ERROR(map.onlyKnown({"from", "header", "topic_pattern", "field", "static", "default"}));
  std::vector<std::string> from;
  RETURN_IF_ERROR(map.strings("from", from));
  if (node["from"]) {
    cluster.order.clear();
    for (const std::string& source : from) {
      if (source == "header")
        cluster.order.push_back(ClusterSource::kHeader);
      else if (source == "topic")
        cluster.order.push_back(ClusterSource::kTopic);
      else if (source == "field")
        cluster.order.push_back(ClusterSource::kField);
      else if (source == "static")
        cluster.order.push_back(ClusterSource::kStatic);
      else
        return file.errorAt(node["from"], "cluster.from (" + source + ") must be header, topic, field or static");
    }
  }
  RETURN_IF_ERROR(map.string("header", cluster.header));
  RETURN_IF_ERROR(map.string("topic_pattern", cluster.topicPattern));
  try {
    const std::regex pattern(cluster.topicPattern);
    if (pattern.mark_count() < 1) {
      return file.errorAt(node["topic_pattern"] ? node["topic_pattern"] : node,
                          "cluster.topic_pattern must have a capture group for the cluster name");
    }
  } catch (const std::regex_error& error) {
    return file.errorAt(node["topic_pattern"], std::string("cluster.topic_pattern is not a regex: ") + error.what());
  }
  RETURN_IF_ERROR(map.string("field", cluster.field));
  const bool fromField =
      std::find(cluster.order.begin(), cluster.order.end(), ClusterSource::kField) != cluster.order.end();
  if (fromField && !parseFieldPath(cluster.field)) {
    return file.errorAt(node["field"] ? node["field"] : node["from"],
                        "cluster.field (" + cluster.field + ") must be a field path such as cluster or " +
                            "kubernetes.cluster_name when cluster.from lists field");
  }
  RETURN_IF_ERROR(map.string("default", cluster.fallback));
  if (node["static"]) {
    if (!node["static"].IsMap()) return file.errorAt(node["static"], "cluster.static must map topic → cluster");
    for (const auto& entry : node["static"]) cluster.byTopic[entry.first.Scalar()] = entry.second.Scalar();
  }
  return Status::ok();
}

Status parseAlertmanager(const YamlFile& file, const YAML::Node& node, AlertmanagerConfig& out) {
  MapReader map(file, node, "sinks.alertmanager");
  RETURN_IF_ERROR(map.expectMap());
  RETURN_IF_ERROR(map.onlyKnown({"urls", "queue", "batch", "timeout", "resolve_timeout", "throttle", "min_level",
                                 "bearer_token_file", "basic_auth_user", "basic_auth_password_file", "ca_file",
                                 "cert_file", "key_file", "insecure_skip_verify", "durable"}));
  RETURN_IF_ERROR(map.strings("urls", out.urls));
  if (out.urls.empty()) return file.errorAt(node, "sinks.alertmanager.urls must list at least one Alertmanager");
  RETURN_IF_ERROR(map.number<std::size_t>("queue", out.queue, 1, 10'000'000));
  RETURN_IF_ERROR(map.number<std::size_t>("batch", out.batch, 1, 64));
  RETURN_IF_ERROR(map.duration("timeout", out.timeout));
  RETURN_IF_ERROR(map.duration("resolve_timeout", out.resolveTimeout));
  RETURN_IF_ERROR(map.duration("throttle", out.throttle));
  RETURN_IF_ERROR(map.string("min_level", out.minLevel));
  static const std::set<std::string> kLevels = {"informational", "low", "medium", "high", "critical"};
  if (!kLevels.contains(out.minLevel)) {
    return file.errorAt(node["min_level"], "sinks.alertmanager.min_level (" + out.minLevel +
                                               ") must be informational, low, medium, high or critical");
  }
  RETURN_IF_ERROR(map.string("bearer_token_file", out.bearerTokenFile));
  RETURN_IF_ERROR(map.string("basic_auth_user", out.basicUser));
  RETURN_IF_ERROR(map.string("basic_auth_password_file", out.basicPasswordFile));
  RETURN_IF_ERROR(map.string("ca_file", out.caFile));
  RETURN_IF_ERROR(map.string("cert_file", out.certFile));
  RETURN_IF_ERROR(map.string("key_file", out.keyFile));
  RETURN_IF_ERROR(map.boolean("insecure_skip_verify", out.insecureSkipVerify));
  RETURN_IF_ERROR(map.boolean("durable", out.durable));
  if (!out.bearerTokenFile.empty() && !out.basicUser.empty()) {
    return file.errorAt(node, "sinks.alertmanager: use bearer_token_file or basic auth, not both");
  }
  return Status::ok();
}

// `delivery: at_least_once | exactly_once` and `transactions: {interval, transactional_id}`. Exactly-once
// needs every output in the transaction: the Kafka alerts topic, the signals topic, the changelog, and
// a broker that has transactions (not librdkafka's mock cluster). Runs after the sections it checks.
Status parseDelivery(const YamlFile& file, const YAML::Node& root, ServiceConfig& config) {
  MapReader map(file, root, "");
  std::string delivery = "at_least_once";
  RETURN_IF_ERROR(map.string("delivery", delivery));
  if (delivery != "at_least_once" && delivery != "exactly_once") {
    return file.errorAt(root["delivery"], "delivery (" + delivery + ") must be at_least_once or exactly_once");
  }
  config.delivery =
      delivery == "exactly_once" ? ServiceConfig::Delivery::kExactlyOnce : ServiceConfig::Delivery::kAtLeastOnce;
  if (root["transactions"]) {
    MapReader transactions(file, root["transactions"], "transactions");
    RETURN_IF_ERROR(transactions.expectMap());
    RETURN_IF_ERROR(transactions.onlyKnown({"interval", "transactional_id"}));
    RETURN_IF_ERROR(transactions.duration("interval", config.transactionInterval));
    RETURN_IF_ERROR(transactions.string("transactional_id", config.transactionalId));
  }
  if (config.transactionalId.empty()) config.transactionalId = config.kafka.at("group.id") + "-" + hostName();
  if (config.delivery != ServiceConfig::Delivery::kExactlyOnce) return Status::ok();
  const YAML::Node at = root["delivery"];
  if (config.kafka.contains("test.mock.num.brokers")) {
    return file.errorAt(at,
                        "delivery: exactly_once needs a real Kafka broker: librdkafka's mock cluster "
                        "(kafka.test.mock.num.brokers) does not implement transactions");
  }
  if (config.alertsTopic.empty()) {
    return file.errorAt(at,
                        "delivery: exactly_once needs sinks.kafka_topic: the alerts topic is what the "
                        "transactions make exactly-once");
  }
  if (config.stateTopicInUse().empty()) {
    return file.errorAt(at,
                        "delivery: exactly_once needs correlation.signals: topic and correlation.state: "
                        "changelog: windows held in process or rebuilt on assignment are not part of a "
                        "transaction");
  }
  if (const auto isolation = config.kafka.find("isolation.level");
      isolation != config.kafka.end() && isolation->second != "read_committed") {
    return file.errorAt(at,
                        "delivery: exactly_once needs kafka.isolation.level: read_committed (the default): "
                        "the correlation tasks must not read the signals of aborted transactions");
  }
  // A transaction stays open for an interval and the commit's wait for the outputs: with an interval
  // past half the timeout, the broker aborts transactions that a busy member has not finished.
  std::int64_t timeoutMs = ServiceConfig::kDefaultTransactionTimeout.count();
  if (const auto timeout = config.kafka.find("transaction.timeout.ms"); timeout != config.kafka.end()) {
    const char* const end = timeout->second.data() + timeout->second.size();
    const auto [parsedTo, error] = std::from_chars(timeout->second.data(), end, timeoutMs);
    if (error != std::errc() || parsedTo != end || timeoutMs <= 0) {
      return file.errorAt(root["kafka"]["transaction.timeout.ms"],
                          "kafka.transaction.timeout.ms (" + timeout->second + ") must be a positive number of ms");
    }
  }
  if (config.transactionInterval.count() * 2 > timeoutMs) {
    return file.errorAt(root["transactions"] ? root["transactions"]["interval"] : at,
                        "transactions.interval (" + std::to_string(config.transactionInterval.count()) +
                            " ms) must be at most half of kafka.transaction.timeout.ms (" + std::to_string(timeoutMs) +
                            "): the broker aborts a transaction that stays open longer");
  }
  return Status::ok();
}

Result<ServiceConfig> parse(const YamlFile& file) {
  if (file.documents().size() != 1) return parseError(file.name() + ": the config must be one YAML document");
  const YAML::Node root = file.documents().front();
  ServiceConfig config;
  MapReader map(file, root, "");
  RETURN_IF_ERROR(map.expectMap());
  RETURN_IF_ERROR(map.onlyKnown({"kafka", "topics", "topic_pattern", "cluster", "envelope", "rules", "workers", "sinks",
                                 "dead_letter_topic", "create_topics", "metrics", "correlation", "limits", "delivery",
                                 "transactions"}));
  RETURN_IF_ERROR(readKafkaProperties(file, root, config.kafka));
  if (!config.kafka.contains("group.id")) config.kafka["group.id"] = "auditstream";
  RETURN_IF_ERROR(map.strings("topics", config.topics));
  RETURN_IF_ERROR(map.string("topic_pattern", config.topicPattern));
  if (config.topics.empty() == config.topicPattern.empty()) {
    return file.errorAt(root, "give either topics (a list) or topic_pattern (a regex), not both or neither");
  }
  if (root["cluster"]) RETURN_IF_ERROR(parseCluster(file, root["cluster"], config.cluster));
  if (root["envelope"]) {
    MapReader envelope(file, root["envelope"], "envelope");
    RETURN_IF_ERROR(envelope.expectMap());
    RETURN_IF_ERROR(envelope.onlyKnown({"string_paths", "max_message_bytes"}));
    RETURN_IF_ERROR(envelope.strings("string_paths", config.envelopePaths));
    RETURN_IF_ERROR(envelope.number<std::size_t>("max_message_bytes", config.maxMessageBytes, 1024, 1U << 30U));
  }
  RETURN_IF_ERROR(map.strings("rules", config.rules));
  if (config.rules.empty()) return file.errorAt(root, "rules must list at least one rule directory");
  RETURN_IF_ERROR(map.number<unsigned>("workers", config.workers, 0, 256));
  if (root["sinks"]) {
    MapReader sinks(file, root["sinks"], "sinks");
    RETURN_IF_ERROR(sinks.expectMap());
    RETURN_IF_ERROR(sinks.onlyKnown({"kafka_topic", "alertmanager", "stdout", "file"}));
    RETURN_IF_ERROR(sinks.string("kafka_topic", config.alertsTopic));
    RETURN_IF_ERROR(sinks.boolean("stdout", config.stdoutAlerts));
    RETURN_IF_ERROR(sinks.string("file", config.alertsFile));
    if (root["sinks"]["alertmanager"]) {
      AlertmanagerConfig alertmanager;
      RETURN_IF_ERROR(parseAlertmanager(file, root["sinks"]["alertmanager"], alertmanager));
      config.alertmanager = std::move(alertmanager);
    }
  }
  if (config.alertsTopic.empty() && !config.alertmanager && !config.stdoutAlerts && config.alertsFile.empty()) {
    return file.errorAt(root["sinks"] ? root["sinks"] : root, "sinks must configure at least one alert output");
  }
  RETURN_IF_ERROR(map.string("dead_letter_topic", config.deadLetterTopic));
  if (root["create_topics"]) {
    MapReader create(file, root["create_topics"], "create_topics");
    RETURN_IF_ERROR(create.expectMap());
    RETURN_IF_ERROR(create.onlyKnown({"partitions", "replication_factor"}));
    TopicCreation creation;
    RETURN_IF_ERROR(create.number<int>("partitions", creation.partitions, 1, 100'000));
    RETURN_IF_ERROR(create.number<int>("replication_factor", creation.replicationFactor, 1, 32));
    config.createTopics = creation;
  }
  if (root["metrics"]) {
    MapReader metrics(file, root["metrics"], "metrics");
    RETURN_IF_ERROR(metrics.expectMap());
    RETURN_IF_ERROR(metrics.onlyKnown({"address"}));
    RETURN_IF_ERROR(metrics.string("address", config.metricsAddress));
    if (!config.metricsAddress.empty() && config.metricsAddress.find(':') == std::string::npos) {
      return file.errorAt(root["metrics"]["address"],
                          "metrics.address (" + config.metricsAddress + ") must be host:port");
    }
  }
  if (root["correlation"]) {
    MapReader correlation(file, root["correlation"], "correlation");
    RETURN_IF_ERROR(correlation.expectMap());
    RETURN_IF_ERROR(correlation.onlyKnown({"allowed_lateness", "idle_timeout", "max_keys", "max_commit_hold", "signals",
                                           "signals_topic", "signals_partitions", "state", "state_topic",
                                           "checkpoint_interval", "max_known_values"}));
    RETURN_IF_ERROR(correlation.duration("max_commit_hold", config.maxCommitHold, true));
    RETURN_IF_ERROR(correlation.duration("allowed_lateness", config.allowedLateness));
    RETURN_IF_ERROR(correlation.duration("idle_timeout", config.idleTimeout));
    RETURN_IF_ERROR(correlation.number<std::size_t>("max_keys", config.maxKeysPerCorrelation, 1, 100'000'000));
    std::string signals = "topic";
    RETURN_IF_ERROR(correlation.string("signals", signals));
    if (signals != "topic" && signals != "in_process") {
      return file.errorAt(root["correlation"]["signals"],
                          "correlation.signals (" + signals + ") must be topic or in_process");
    }
    config.signals = signals == "topic" ? ServiceConfig::SignalsPath::kTopic : ServiceConfig::SignalsPath::kInProcess;
    RETURN_IF_ERROR(correlation.string("signals_topic", config.signalsTopic));
    RETURN_IF_ERROR(correlation.number<int>("signals_partitions", config.signalsPartitions, 1, 10'000));
    std::string state = "changelog";
    RETURN_IF_ERROR(correlation.string("state", state));
    if (state != "changelog" && state != "rebuild") {
      return file.errorAt(root["correlation"]["state"],
                          "correlation.state (" + state + ") must be changelog or rebuild");
    }
    config.windowState =
        state == "changelog" ? ServiceConfig::WindowState::kChangelog : ServiceConfig::WindowState::kRebuild;
    RETURN_IF_ERROR(correlation.string("state_topic", config.stateTopic));
    RETURN_IF_ERROR(correlation.duration("checkpoint_interval", config.checkpointInterval));
    RETURN_IF_ERROR(correlation.number<std::size_t>("max_known_values", config.maxKnownValues, 1, 10'000'000));
  }
  if (config.signalsTopic.empty()) config.signalsTopic = config.kafka.at("group.id") + ".signals";
  if (config.stateTopic.empty()) config.stateTopic = config.kafka.at("group.id") + ".state";
  for (const std::string& topic : config.topics) {
    if (config.signals == ServiceConfig::SignalsPath::kTopic && topic == config.signalsTopic) {
      return file.errorAt(root["topics"],
                          "topics must not list the signals topic (" + topic + "): the service reads it itself");
    }
  }
  RETURN_IF_ERROR(parseDelivery(file, root, config));
  if (root["limits"]) {
    MapReader limits(file, root["limits"], "limits");
    RETURN_IF_ERROR(limits.expectMap());
    RETURN_IF_ERROR(limits.onlyKnown({"queue_messages", "ready_max_lag"}));
    RETURN_IF_ERROR(limits.number<std::size_t>("queue_messages", config.queueMessages, 1, 100'000'000));
    RETURN_IF_ERROR(limits.number<std::int64_t>("ready_max_lag", config.readyMaxLag, 0, 1'000'000'000'000));
  }
  return config;
}

}  // namespace

Result<ServiceConfig> loadServiceConfig(const std::string& path) {
  ASSIGN_OR_RETURN(YamlFile file, YamlFile::load(path));
  return parse(file);
}

Result<ServiceConfig> parseServiceConfig(std::string_view text, const std::string& name) {
  ASSIGN_OR_RETURN(YamlFile file, YamlFile::parse(text, name));
  return parse(file);
}

}  // namespace auditstream
