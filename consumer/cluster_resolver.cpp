#include "consumer/cluster_resolver.h"

namespace auditstream {

ClusterResolver::ClusterResolver(ClusterIdentity identity)
    : identity_(std::move(identity)), topicPattern_(identity_.topicPattern) {}

ClusterResolver::Choice ClusterResolver::resolve(const std::string& topic, std::optional<std::string_view> header) {
  bool fieldFirst = false;
  for (const ClusterSource source : identity_.order) {
    switch (source) {
      case ClusterSource::kHeader:
        if (header && !header->empty()) return {std::string(*header), fieldFirst};
        break;
      case ClusterSource::kTopic: {
        auto cached = fromTopic_.find(topic);
        if (cached == fromTopic_.end()) {
          std::smatch match;
          std::optional<std::string> capture;
          if (std::regex_search(topic, match, topicPattern_) && match.size() > 1) capture = match[1].str();
          cached = fromTopic_.emplace(topic, capture).first;
        }
        if (cached->second) return {*cached->second, fieldFirst};
        break;
      }
      case ClusterSource::kStatic: {
        const auto found = identity_.byTopic.find(topic);
        if (found != identity_.byTopic.end()) return {found->second, fieldFirst};
        break;
      }
      case ClusterSource::kField: fieldFirst = true; break;
    }
  }
  return {identity_.fallback, fieldFirst};
}

}  // namespace auditstream
