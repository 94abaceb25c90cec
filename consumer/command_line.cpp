#include "consumer/command_line.h"

#include <curl/curl.h>

#include "consumer/kafka_client.h"
#include "engine/library_versions.h"

#ifndef AUDITSTREAM_VERSION
#error "AUDITSTREAM_VERSION must be defined by the build"
#endif

namespace auditstream {

Result<CommandLine> parseCommandLine(const std::vector<std::string_view>& args) {
  if (args.empty()) return CommandLine{Command::kHelp};
  const std::string_view first = args.front();
  CommandLine parsed;
  if (first == "--help" || first == "-h" || first == "help") {
    parsed.command = Command::kHelp;
  } else if (first == "--version" || first == "version") {
    parsed.command = Command::kVersion;
  } else {
    return invalidArgument("unknown command '" + std::string(first) + "' (try --help)");
  }
  if (args.size() > 1) {
    return invalidArgument("'" + std::string(first) + "' takes no arguments, got '" + std::string(args[1]) + "'");
  }
  return parsed;
}

std::string usageText() {
  return "auditstream — Kubernetes audit events from Kafka, Sigma rules, alerts to Kafka and Alertmanager\n"
         "\n"
         "Usage:\n"
         "  auditstream --help       this text\n"
         "  auditstream --version    versions of auditstream and the libraries it runs on\n"
         "\n"
         "Coming with the next issues (not in this build yet): run --config FILE, replay, validate, demo.\n";
}

std::string versionText() {
  std::string text = "auditstream " AUDITSTREAM_VERSION "\n";
  text += "librdkafka " + librdkafkaVersion() + "\n";
  text += "simdjson " + simdjsonVersion() + " (" + simdjsonActiveImplementation() + ")\n";
  text += "hyperscan " + hyperscanVersion() + "\n";
  text += std::string("libcurl ") + curl_version_info(CURLVERSION_NOW)->version + "\n";
  return text;
}

}  // namespace auditstream
