// The composition root: the one place where every folder is wired together (STYLE.md #1).
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "consumer/command_line.h"
#include "consumer/demo_command.h"
#include "consumer/ingest_command.h"
#include "consumer/policy_check_command.h"
#include "consumer/replay_command.h"
#include "consumer/service.h"
#include "consumer/validate_command.h"
#include "engine/library_versions.h"

namespace {

int runCommand(const std::vector<std::string_view>& args) {
  using namespace auditstream;
  const Result<CommandLine> parsed = parseCommandLine(args);
  if (!parsed) {
    std::fprintf(stderr, "auditstream: %s\n", parsed.status().message().c_str());
    return 2;
  }
  switch (parsed->command) {
    case Command::kHelp: std::fputs(usageText().c_str(), stdout); return 0;
    case Command::kVersion: {
      std::fputs(versionText().c_str(), stdout);
      const Status platform = checkHyperscanPlatform();
      if (!platform.isOk()) {
        std::fprintf(stderr, "auditstream: %s\n", platform.message().c_str());
        return 1;
      }
      return 0;
    }
    case Command::kReplay: return runReplay(*parsed, stdout);
    case Command::kValidate: return runValidate(*parsed, stdout);
    case Command::kPolicyCheck: return runPolicyCheck(*parsed, stdout);
    case Command::kDemo: return runDemo(*parsed);
    case Command::kRun: {
      ServiceOptions options;
      options.stage = parsed->stage;
      options.log = Logger::toStderr(parsed->logFormat, parsed->logLevel, "auditstream");
      return runService(parsed->configPath, std::move(options));
    }
    case Command::kIngest:
      return runIngest(parsed->configPath, Logger::toStderr(parsed->logFormat, parsed->logLevel, "auditstream"));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return runCommand(std::vector<std::string_view>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    // Errors are values everywhere below; this catches what only the standard library throws (bad_alloc).
    std::fprintf(stderr, "auditstream: fatal: %s\n", e.what());
    return 1;
  }
}
