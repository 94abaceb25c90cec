#include "engine/library_versions.h"

#include <hs/hs.h>
#include <simdjson.h>

namespace auditstream {

std::string simdjsonVersion() {
  // SIMDJSON_VERSION is a bare token (3.0.1), not a string; the enum holds the parts.
  return std::to_string(simdjson::SIMDJSON_VERSION_MAJOR) + "." + std::to_string(simdjson::SIMDJSON_VERSION_MINOR) +
         "." + std::to_string(simdjson::SIMDJSON_VERSION_REVISION);
}

std::string hyperscanVersion() {
  // hs_version() is "5.4.0 2023-01-26"-style; keep the version number only.
  std::string full = hs_version();
  const auto space = full.find(' ');
  return space == std::string::npos ? full : full.substr(0, space);
}

std::string simdjsonActiveImplementation() { return std::string(simdjson::get_active_implementation()->name()); }

Status checkHyperscanPlatform() {
  if (hs_valid_platform() != HS_SUCCESS) {
    return failedPrecondition("this CPU cannot run Hyperscan " + hyperscanVersion() + " (SSSE3 is required)");
  }
  return Status::ok();
}

}  // namespace auditstream
