// Building librdkafka clients from key/value properties, with every refusal reported as a Status that
// names the property. The service's config passes its `kafka:` map through here unchanged.
// Thread-safety: free functions; the returned handles follow librdkafka's own rules.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sinks/kafka_handles.h"

namespace auditstream {

using KafkaProperties = std::map<std::string, std::string>;

// A conf with every property set; invalidArgument "kafka property 'k' = 'v': <librdkafka's reason>".
Result<KafkaConfPtr> makeKafkaConf(const KafkaProperties& properties);

// A producer or consumer from `properties` (rd_kafka_new takes ownership of the conf on success).
Result<KafkaClientPtr> makeKafkaClient(rd_kafka_type_t type, const KafkaProperties& properties);
Result<KafkaClientPtr> makeKafkaClient(rd_kafka_type_t type, KafkaConfPtr conf);

struct KafkaHeader {
  const char* name;
  std::string_view value;
};

// Produces a copy of `value` under `key` (empty: no key) to `topic` (to `partition`, or where the
// partitioner puts the key), with headers and the opaque the delivery report gets. Null on success; the
// librdkafka error otherwise (QUEUE_FULL: poll and retry).
KafkaErrorPtr produceCopy(rd_kafka_t* producer, const std::string& topic, std::string_view key, std::string_view value,
                          const std::vector<KafkaHeader>& headers = {}, void* opaque = nullptr,
                          std::int32_t partition = RD_KAFKA_PARTITION_UA);

// A Status from a librdkafka error code, with `what` as context ("commit: Broker: Unknown topic").
Status kafkaError(std::string_view what, rd_kafka_resp_err_t error);

// librdkafka's version string ("2.0.2").
std::string librdkafkaVersion();

}  // namespace auditstream
