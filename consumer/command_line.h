// The `auditstream` command line: which subcommand to run and its usage text. Parsing is separate
// from running so that tests can pin both.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "consumer/pipeline_stage.h"

namespace auditstream {

enum class Command { kHelp, kVersion, kReplay, kValidate, kDemo, kRun, kIngest, kPolicyCheck };

struct CommandLine {
  Command command = Command::kHelp;
  std::string configPath;                        // run, ingest: --config
  PipelineStage stage = PipelineStage::kDetect;  // run: --stage consume|parse|detect
  LogFormat logFormat = LogFormat::kKeyValue;    // run: --log-format kv|json
  LogLevel logLevel = LogLevel::kInfo;           // run: --log-level debug|info|warn|error
  std::vector<std::string> ruleDirs;             // replay, validate, policy-check: --rules (repeatable)
  std::string policyPath;                        // policy-check: --policy
  std::vector<std::string> inputs;               // replay: files, or "-" for stdin (the default)
  unsigned threads = 1;                          // replay: --threads
  std::string cluster = "default";               // replay: --cluster, the cluster name on alerts
  bool quiet = false;                            // replay: --quiet, no summary
  double durationSeconds = 0;                    // demo: --duration (0: until Ctrl-C)
  unsigned clusters = 3;                         // demo: --clusters
  double rate = 300;                             // demo: --rate, background events per second
  std::string metricsAddress;                    // demo: --metrics HOST:PORT (default: none)
};

// argv without the program name. Errors are invalidArgument with a one-line reason.
Result<CommandLine> parseCommandLine(const std::vector<std::string_view>& args);

std::string usageText();

// Versions of auditstream and of every library it runs on, one per line.
std::string versionText();

}  // namespace auditstream
