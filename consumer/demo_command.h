// `auditstream demo`: the embedded default. librdkafka's in-process mock cluster (no Kafka to install),
// an audit topic per cluster, generated traffic for several clusters with attacks injected (exec,
// privileged pod, 403 burst, secret enumeration, cluster-admin binding then a pod), and the service
// itself (runService: partition workers, correlation engine, router, offset tracker) with the bundled
// rules and a console sink — alerts printed as they fire (medium and above, one line each, coloured on a
// terminal) and the service's progress line every 5 s on stderr. `--duration S`, or Ctrl-C.
#pragma once

#include "consumer/command_line.h"

namespace auditstream {

int runDemo(const CommandLine& command);

}  // namespace auditstream
