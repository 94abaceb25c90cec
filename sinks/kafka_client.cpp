#include "sinks/kafka_client.h"

namespace auditstream {

namespace {

// Properties whose values are credentials: an error names them, never their value.
bool secret(const std::string& key) {
  for (const char* word : {"password", "secret", "key", "token", "jaas", "sasl.oauthbearer.config"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

Result<KafkaConfPtr> makeKafkaConf(const KafkaProperties& properties) {
  KafkaConfPtr conf(rd_kafka_conf_new());
  char reason[512];
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), reason, sizeof reason) != RD_KAFKA_CONF_OK) {
      std::string message = "kafka property '";
      message.append(key).append("' = '").append(secret(key) ? "(not shown)" : value).append("': ").append(reason);
      return invalidArgument(std::move(message));
    }
  }
  return conf;
}

Result<KafkaClientPtr> makeKafkaClient(rd_kafka_type_t type, const KafkaProperties& properties) {
  ASSIGN_OR_RETURN(KafkaConfPtr conf, makeKafkaConf(properties));
  return makeKafkaClient(type, std::move(conf));
}

Result<KafkaClientPtr> makeKafkaClient(rd_kafka_type_t type, KafkaConfPtr conf) {
  char reason[512];
  rd_kafka_t* client = rd_kafka_new(type, conf.get(), reason, sizeof reason);
  if (client == nullptr) {
    return invalidArgument(std::string("cannot create Kafka ") + (type == RD_KAFKA_PRODUCER ? "producer" : "consumer") +
                           ": " + reason);
  }
  static_cast<void>(conf.release());  // owned by `client` from here on
  return KafkaClientPtr(client);
}

Status kafkaError(std::string_view what, rd_kafka_resp_err_t error) {
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::ok();
  std::string message = std::string(what) + ": " + rd_kafka_err2str(error) + " (" + rd_kafka_err2name(error) + ")";
  switch (error) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT: return deadlineExceeded(std::move(message));
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE: return unavailable(std::move(message));
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: return notFound(std::move(message));
    default: return internalError(std::move(message));
  }
}

std::string librdkafkaVersion() { return rd_kafka_version_str(); }

KafkaErrorPtr produceCopy(rd_kafka_t* producer, const std::string& topic, std::string_view key, std::string_view value,
                          const std::vector<KafkaHeader>& headers, void* opaque, std::int32_t partition) {
  // rd_kafka_produceva: the typed form of rd_kafka_producev, without its C-cast macros.
  std::vector<rd_kafka_vu_t> fields;
  fields.reserve(6 + headers.size());
  const auto add = [&fields](rd_kafka_vtype_t type) -> rd_kafka_vu_t& {
    rd_kafka_vu_t& field = fields.emplace_back();
    field.vtype = type;
    return field;
  };
  add(RD_KAFKA_VTYPE_TOPIC).u.cstr = topic.c_str();
  add(RD_KAFKA_VTYPE_VALUE).u.mem = {const_cast<char*>(value.data()), value.size()};  // no data: a null value
  add(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
  add(RD_KAFKA_VTYPE_OPAQUE).u.ptr = opaque;
  if (partition != RD_KAFKA_PARTITION_UA) add(RD_KAFKA_VTYPE_PARTITION).u.i32 = partition;
  if (!key.empty()) add(RD_KAFKA_VTYPE_KEY).u.mem = {const_cast<char*>(key.data()), key.size()};
  // One headers list of ours (VTYPE_HEADERS), not VTYPE_HEADER entries: librdkafka 2.0.2 frees the latter
  // twice when the produce call fails after creating the message (a topic known not to exist;
  // confluentinc/librdkafka#4627). An app-owned list stays ours on failure and is the message's on success.
  rd_kafka_headers_t* list = nullptr;
  if (!headers.empty()) {
    list = rd_kafka_headers_new(headers.size());
    for (const KafkaHeader& header : headers) {
      rd_kafka_header_add(list, header.name, -1, header.value.data(), static_cast<ssize_t>(header.value.size()));
    }
    add(RD_KAFKA_VTYPE_HEADERS).u.headers = list;
  }
  KafkaErrorPtr error(rd_kafka_produceva(producer, fields.data(), fields.size()));
  if (error && list != nullptr) rd_kafka_headers_destroy(list);
  return error;
}

}  // namespace auditstream
