// `auditstream demo`: the embedded default. librdkafka's in-process mock cluster (no Kafka to install),
// an audit topic per cluster, generated traffic for several clusters with attacks injected (exec,
// privileged pod, 403 burst, secret enumeration, cluster-admin binding then a pod), the bundled rules
// through the real per-message path and the correlation engine, alerts printed as they fire (medium and
// above, one line each, coloured on a terminal) and a summary line every 5 s on stderr. Offsets are
// stored only after a message's alerts are printed. `--duration S`, or Ctrl-C.
#pragma once

#include "consumer/command_line.h"

namespace auditstream {

int runDemo(const CommandLine& command);

}  // namespace auditstream
