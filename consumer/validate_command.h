// `auditstream validate --rules DIR...`: loads and compiles the rules, prints every problem with its
// position and a summary on stdout; exit status 1 when there is a problem.
#pragma once

#include <cstdio>

#include "consumer/command_line.h"

namespace auditstream {

int runValidate(const CommandLine& command, std::FILE* out);

}  // namespace auditstream
