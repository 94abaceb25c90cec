#include "consumer/command_line.h"

#include <charconv>
#include <curl/curl.h>

#include "engine/library_versions.h"
#include "sinks/kafka_client.h"

#ifndef AUDITSTREAM_VERSION
#error "AUDITSTREAM_VERSION must be defined by the build"
#endif

namespace auditstream {

namespace {

Result<double> positiveNumber(const std::string& name, const std::string& option, const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
    return invalidArgument(name + ": " + option + " must be a positive number, got '" + text + "'");
  }
  return value;
}

Result<CommandLine> parseRulesCommand(Command command, const std::vector<std::string_view>& args) {
  CommandLine parsed;
  parsed.command = command;
  const std::string name = command == Command::kReplay        ? "replay"
                           : command == Command::kDemo        ? "demo"
                           : command == Command::kPolicyCheck ? "policy-check"
                                                              : "validate";
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const auto value = [&]() -> Result<std::string> {
      if (i + 1 >= args.size()) return invalidArgument(name + ": " + std::string(arg) + " needs a value");
      return std::string(args[++i]);
    };
    if (arg == "--rules") {
      ASSIGN_OR_RETURN(std::string dir, value());
      parsed.ruleDirs.push_back(std::move(dir));
    } else if (arg == "--threads" && command == Command::kReplay) {
      ASSIGN_OR_RETURN(std::string text, value());
      unsigned threads = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), threads);
      if (error != std::errc() || end != text.data() + text.size() || threads == 0 || threads > 256) {
        return invalidArgument("replay: --threads must be a number from 1 to 256, got '" + text + "'");
      }
      parsed.threads = threads;
    } else if (arg == "--cluster" && command == Command::kReplay) {
      ASSIGN_OR_RETURN(parsed.cluster, value());
    } else if (arg == "--duration" && command == Command::kDemo) {
      ASSIGN_OR_RETURN(std::string text, value());
      ASSIGN_OR_RETURN(parsed.durationSeconds, positiveNumber(name, "--duration", text));
    } else if (arg == "--rate" && command == Command::kDemo) {
      ASSIGN_OR_RETURN(std::string text, value());
      ASSIGN_OR_RETURN(parsed.rate, positiveNumber(name, "--rate", text));
    } else if (arg == "--clusters" && command == Command::kDemo) {
      ASSIGN_OR_RETURN(std::string text, value());
      ASSIGN_OR_RETURN(double clusters, positiveNumber(name, "--clusters", text));
      if (clusters > 20) return invalidArgument("demo: --clusters must be at most 20");
      parsed.clusters = static_cast<unsigned>(clusters);
    } else if (arg == "--metrics" && command == Command::kDemo) {
      ASSIGN_OR_RETURN(parsed.metricsAddress, value());
      if (parsed.metricsAddress.find(':') == std::string::npos) {
        return invalidArgument("demo: --metrics must be host:port, got '" + parsed.metricsAddress + "'");
      }
    } else if (arg == "--policy" && command == Command::kPolicyCheck) {
      ASSIGN_OR_RETURN(parsed.policyPath, value());
    } else if (arg == "--quiet" && command == Command::kReplay) {
      parsed.quiet = true;
    } else if (arg == "-" || (!arg.starts_with("-") && command == Command::kReplay)) {
      if (command != Command::kReplay)
        return invalidArgument(name + ": unexpected argument '" + std::string(arg) + "'");
      parsed.inputs.emplace_back(arg);
    } else {
      return invalidArgument(name + ": unknown option '" + std::string(arg) + "' (try --help)");
    }
  }
  if (parsed.ruleDirs.empty() && command == Command::kDemo) parsed.ruleDirs.emplace_back(AUDITSTREAM_BUNDLED_RULES_DIR);
  if (parsed.ruleDirs.empty()) return invalidArgument(name + ": --rules DIR is required");
  if (command == Command::kPolicyCheck && parsed.policyPath.empty()) {
    return invalidArgument("policy-check: --policy FILE (an audit.k8s.io Policy) is required");
  }
  if (command == Command::kReplay && parsed.inputs.empty()) parsed.inputs.emplace_back("-");
  return parsed;
}

}  // namespace

Result<CommandLine> parseCommandLine(const std::vector<std::string_view>& args) {
  if (args.empty()) return CommandLine{Command::kHelp};
  const std::string_view first = args.front();
  CommandLine parsed;
  if (first == "replay") return parseRulesCommand(Command::kReplay, args);
  if (first == "validate") return parseRulesCommand(Command::kValidate, args);
  if (first == "demo") return parseRulesCommand(Command::kDemo, args);
  if (first == "policy-check") return parseRulesCommand(Command::kPolicyCheck, args);
  if (first == "run" || first == "ingest") {
    const bool run = first == "run";
    const char* const kRunUsage =
        run ? "run: usage: auditstream run --config FILE [--stage consume|parse|detect] [--log-format kv|json] "
              "[--log-level debug|info|warn|error]"
            : "ingest: usage: auditstream ingest --config FILE [--log-format kv|json] "
              "[--log-level debug|info|warn|error]";
    parsed.command = run ? Command::kRun : Command::kIngest;
    if (args.size() % 2 == 0) return invalidArgument(kRunUsage);  // every flag takes one value
    for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
      const std::string_view flag = args[i];
      const std::string_view value = args[i + 1];
      if (flag == "--config") {
        parsed.configPath = std::string(value);
      } else if (flag == "--stage" && run) {
        if (value == "consume") {
          parsed.stage = PipelineStage::kConsume;
        } else if (value == "parse") {
          parsed.stage = PipelineStage::kParse;
        } else if (value != "detect") {
          return invalidArgument("run: --stage must be consume, parse or detect, not '" + std::string(value) + "'");
        }
      } else if (flag == "--log-format") {
        const Result<LogFormat> format = parseLogFormat(value);
        if (!format) return invalidArgument(std::string(first) + ": " + format.status().message());
        parsed.logFormat = *format;
      } else if (flag == "--log-level") {
        const Result<LogLevel> level = parseLogLevel(value);
        if (!level) return invalidArgument(std::string(first) + ": " + level.status().message());
        parsed.logLevel = *level;
      } else {
        return invalidArgument(kRunUsage);
      }
    }
    if (parsed.configPath.empty()) return invalidArgument(kRunUsage);
    return parsed;
  }
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
         "  auditstream run --config FILE [--stage consume|parse|detect] [--log-format kv|json]\n"
         "                  [--log-level debug|info|warn|error]\n"
         "      the service: a Kafka consumer group over the audit topics, alerts to the configured sinks\n"
         "      (docs/config.md); SIGTERM drains and commits, SIGHUP reloads the rules; --stage consume or\n"
         "      parse stops each message after that stage (ceilings for benchmarks, no alerts); logs are\n"
         "      one record a line on stderr, key=value (kv, the default) or JSON objects (json)\n"
         "  auditstream ingest --config FILE [--log-format kv|json] [--log-level debug|info|warn|error]\n"
         "      the HTTPS endpoint for kube-apiservers' audit webhook backends: each event to its cluster's\n"
         "      Kafka topic, 200 once Kafka has acknowledged the whole batch (docs/ingest.md)\n"
         "  auditstream policy-check --policy FILE --rules DIR...\n"
         "      which rules a kube-apiserver audit policy blinds: per rule, fires, partly (some of the\n"
         "      requests it watches are not logged at the level it needs) or blind; exit 1 if one is blind\n"
         "  auditstream replay --rules DIR... [--threads N] [--cluster NAME] [--quiet] [FILE...|-]\n"
         "      match audit events (JSON lines, JSON documents, EventLists, Fluent Bit / Event Hubs\n"
         "      envelopes) against Sigma rules; alerts as JSON lines on stdout, a summary on stderr\n"
         "  auditstream validate --rules DIR...\n"
         "      load and compile rules; print every problem as file:line:col and exit 1 if any\n"
         "  auditstream demo [--duration SECONDS] [--clusters N] [--rate EVENTS_PER_S] [--rules DIR...]\n"
         "                   [--metrics HOST:PORT]\n"
         "      embedded Kafka (librdkafka mock), generated traffic for N clusters with attacks injected,\n"
         "      the service's pipeline with the bundled rules; alerts printed as they fire, a summary\n"
         "      every 5 s; /metrics, /healthz, /readyz with --metrics; Ctrl-C stops\n"
         "  auditstream --help       this text\n"
         "  auditstream --version    versions of auditstream and the libraries it runs on\n"
         "";
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
