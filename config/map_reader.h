// MapReader: reads one YAML map of a config file — every key must be known, every value is checked as
// it is read, and every problem is a `file:line:col: key (value) must be …` Status. Shared by the
// configs of `run` (service_config) and `ingest` (ingest_config).
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "common/result.h"
#include "config/yaml_file.h"

namespace auditstream {

// A Sigma timespan (30s, 5m, 2h, 1d) or whole milliseconds (100ms), in nanoseconds; nullopt when invalid.
std::optional<std::int64_t> parseDuration(const std::string& text);

// Reads one YAML map: every key must be known; values are checked as they are read.
class MapReader {
 public:
  MapReader(const YamlFile& file, const YAML::Node& node, std::string path)
      : file_(file), node_(node), path_(std::move(path)) {}

  Status expectMap() const {
    if (!node_.IsMap()) return file_.errorAt(node_, (path_.empty() ? "the config" : path_) + " must be a map");
    return Status::ok();
  }
  Status onlyKnown(const std::set<std::string>& known) const {
    for (const auto& entry : node_) {
      const std::string key = entry.first.Scalar();
      if (!known.contains(key)) {
        std::string list;
        for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
        return file_.errorAt(entry.first, "unknown key '" + qualified(key) + "' (known here: " + list + ")");
      }
    }
    return Status::ok();
  }
  YAML::Node operator[](const std::string& key) const { return node_[key]; }
  std::string qualified(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  Status string(const std::string& key, std::string& out) const {
    const YAML::Node value = node_[key];
    if (!value) return Status::ok();
    if (!value.IsScalar()) return file_.errorAt(value, qualified(key) + " must be a string");
    out = value.Scalar();
    return Status::ok();
  }
  Status strings(const std::string& key, std::vector<std::string>& out) const {
    const YAML::Node value = node_[key];
    if (!value) return Status::ok();
    if (value.IsScalar()) {
      out = {value.Scalar()};
      return Status::ok();
    }
    if (!value.IsSequence()) return file_.errorAt(value, qualified(key) + " must be a list of strings");
    out.clear();
    for (const YAML::Node& item : value) {
      if (!item.IsScalar()) return file_.errorAt(item, qualified(key) + " must be a list of strings");
      out.push_back(item.Scalar());
    }
    return Status::ok();
  }
  template <typename Number>
  Status number(const std::string& key, Number& out, Number min, Number max) const {
    const YAML::Node value = node_[key];
    if (!value) return Status::ok();
    Number parsed{};
    const std::string text = value.IsScalar() ? value.Scalar() : "";
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || parsed < min || parsed > max) {
      return file_.errorAt(value, qualified(key) + " (" + text + ") must be a whole number from " +
                                      std::to_string(min) + " to " + std::to_string(max));
    }
    out = parsed;
    return Status::ok();
  }
  Status boolean(const std::string& key, bool& out) const {
    const YAML::Node value = node_[key];
    if (!value) return Status::ok();
    if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false")) {
      return file_.errorAt(value, qualified(key) + " must be true or false");
    }
    out = value.Scalar() == "true";
    return Status::ok();
  }
  template <typename Duration>
  Status duration(const std::string& key, Duration& out, bool zeroAllowed = false) const {
    const YAML::Node value = node_[key];
    if (!value) return Status::ok();
    const std::string text = value.IsScalar() ? value.Scalar() : std::string();
    const bool zero = zeroAllowed && (text == "0" || text == "0s");
    const std::optional<std::int64_t> nanos = zero ? std::optional<std::int64_t>(0) : parseDuration(text);
    if (!nanos) {
      return file_.errorAt(value, qualified(key) + " must be a duration such as " + (zeroAllowed ? "0s, " : "") +
                                      "100ms, 30s, 5m, 2h or 1d");
    }
    out = std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(nanos.value_or(0)));
    return Status::ok();
  }

 private:
  const YamlFile& file_;
  YAML::Node node_;
  std::string path_;
};

}  // namespace auditstream
