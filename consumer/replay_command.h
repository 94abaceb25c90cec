// `auditstream replay --rules DIR... [FILE...|-]`: audit events from files (or stdin) through the same
// EventProcessor the service runs; alerts as JSON lines on `out` in input order (deterministic for any
// --threads), a summary on stderr (events, rejects by reason, alerts by rule, events/s), and a progress
// line on stderr when it is a terminal and the input is large.
#pragma once

#include <cstdio>

#include "consumer/command_line.h"

namespace auditstream {

// Exit status: 0, or 1 when the rules have problems or an input cannot be read.
int runReplay(const CommandLine& command, std::FILE* out);

}  // namespace auditstream
