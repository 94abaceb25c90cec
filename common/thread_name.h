#pragma once

#include <string_view>

namespace auditstream {

// Names the calling thread (Linux: at most 15 characters, longer names are cut) so that `top -H`,
// `perf report --sort comm` and gdb tell the service's threads apart: "as-worker-0",
// "as-correlations", "as-alerts-send", ... (the polling thread keeps the process name, which ps and
// pkill match). Best effort: a failure leaves the inherited name.
void nameThisThread(std::string_view name);

}  // namespace auditstream
