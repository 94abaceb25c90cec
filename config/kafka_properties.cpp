#include "config/kafka_properties.h"

#include <fstream>
#include <sstream>

namespace auditstream {

Status readKafkaProperties(const YamlFile& file, const YAML::Node& root,
                           std::map<std::string, std::string>& properties) {
  const YAML::Node kafka = root["kafka"];
  if (!kafka || !kafka.IsMap())
    return file.errorAt(kafka ? kafka : root, "kafka must be a map of librdkafka properties");
  constexpr std::string_view kFileSuffix = "_file";
  for (const auto& entry : kafka) {
    const std::string key = entry.first.Scalar();
    if (!entry.second.IsScalar()) return file.errorAt(entry.second, "kafka." + key + " must be a single value");
    if (!key.ends_with(kFileSuffix)) {
      properties[key] = entry.second.Scalar();
      continue;
    }
    const std::string name = key.substr(0, key.size() - kFileSuffix.size());
    const std::string path = entry.second.Scalar();
    if (kafka[name]) {
      return file.errorAt(entry.first, "kafka." + key + " and kafka." + name + " are both given: keep one");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return file.errorAt(entry.second, "kafka." + key + ": cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    std::string value = text.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) return file.errorAt(entry.second, "kafka." + key + ": " + path + " is empty");
    properties[name] = std::move(value);
  }
  if (!properties.contains("bootstrap.servers")) return file.errorAt(kafka, "kafka needs bootstrap.servers");
  return Status::ok();
}

}  // namespace auditstream
