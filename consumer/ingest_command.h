// `auditstream ingest --config FILE`: the HTTPS audit webhook endpoint (ingest/) as a process — config,
// start-up checks (Kafka reachable, every cluster's topic there: said in one line, then exit 1), the
// metrics endpoint (/metrics, /healthz, /readyz: ready while Kafka answers), a progress line, and a
// clean stop on SIGTERM/SIGINT (requests being answered finish). docs/ingest.md.
#pragma once

#include <string>

#include "common/log.h"

namespace auditstream {

int runIngest(const std::string& configPath, Logger log);

}  // namespace auditstream
