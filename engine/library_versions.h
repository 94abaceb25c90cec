// What the engine runs on: the simdjson and Hyperscan versions it was built against, and whether this
// CPU can run Hyperscan at all (it needs SSSE3). `auditstream --version` prints these; the service
// checks the platform at start-up so that an unsupported CPU fails with a reason, not SIGILL.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "common/status.h"

namespace auditstream {

std::string simdjsonVersion();
std::string hyperscanVersion();
// The simdjson kernel chosen for this CPU at run time (e.g. "haswell", "westmere", "fallback").
std::string simdjsonActiveImplementation();
Status checkHyperscanPlatform();

}  // namespace auditstream
