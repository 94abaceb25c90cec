// The `auditstream` command line: which subcommand to run and its usage text. Parsing is separate
// from running so that tests can pin both. Later issues add `run`, `replay`, `validate` and `demo`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace auditstream {

enum class Command { kHelp, kVersion };

struct CommandLine {
  Command command = Command::kHelp;
};

// argv without the program name. Errors are invalidArgument with a one-line reason.
Result<CommandLine> parseCommandLine(const std::vector<std::string_view>& args);

std::string usageText();

// Versions of auditstream and of every library it runs on, one per line.
std::string versionText();

}  // namespace auditstream
