// ClusterResolver: the cluster name of a Kafka message — from a header, a capture on the topic name, or a
// static topic → cluster table, in the configured order (ARCHITECTURE.md, Multi-cluster). The `field`
// source (a string field the shipper merged into each event) can only be read once the event is parsed:
// where it stands in the order, the message's choice says that an event's field value, when present,
// replaces what the later sources gave.
// Immutable after construction apart from a per-topic cache of the topic pattern's capture (one thread).
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

  struct Choice {
    std::string cluster;
    bool eventFieldFirst = false;  // an event's `field` value, when present, replaces `cluster`
  };
  // `header` is the value of the configured header, if the message had one.
  Choice resolve(const std::string& topic, std::optional<std::string_view> header);

 private:
  ClusterIdentity identity_;
  std::regex topicPattern_;
  std::map<std::string, std::optional<std::string>> fromTopic_;  // cache: topic → capture
};

}  // namespace auditstream
