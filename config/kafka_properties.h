// The `kafka:` section of a config (run's and ingest's): librdkafka properties passed through, except
// that any property can be given as `<name>_file` — a file whose content (trailing newline trimmed) is the
// value, read at start-up: a Kubernetes Secret mounted as a file instead of a password in the config.
// Such values are never printed: errors name the property and the file, not the content.
#pragma once

#include <map>
#include <string>
#include <yaml-cpp/yaml.h>

#include "common/status.h"
#include "config/yaml_file.h"

namespace auditstream {

// Fills `properties` from `root["kafka"]` (`root` gives the position when it is missing). Errors:
// parseError with the position (not a map, a value that is not a scalar, `x` and `x_file` both given,
// an unreadable or empty file).
Status readKafkaProperties(const YamlFile& file, const YAML::Node& root,
                           std::map<std::string, std::string>& properties);

}  // namespace auditstream
