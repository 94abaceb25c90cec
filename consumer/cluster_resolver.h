// ClusterResolver: the cluster name of a Kafka message — from a header, a capture on the topic name, or a
// static topic → cluster table, in the configured order (ARCHITECTURE.md, Multi-cluster). The `field`
// source (a JSON field of the message) is resolved by the caller after parsing; here it is skipped.
// Immutable after construction; the topic regex results are cached per topic (one thread).
#pragma once

#include <map>
#include <optional>
#include <regex>
#include <string>

#include "config/service_config.h"

namespace auditstream {

class ClusterResolver {
 public:
  explicit ClusterResolver(ClusterIdentity identity);

  // `header` is the value of the configured header, if the message had one.
  std::string resolve(const std::string& topic, const std::optional<std::string>& header);

 private:
  ClusterIdentity identity_;
  std::regex topicPattern_;
  std::map<std::string, std::optional<std::string>> fromTopic_;  // cache: topic → capture
};

}  // namespace auditstream
