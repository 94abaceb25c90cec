// The topics the service writes to — the alerts topic and the dead-letter topic — checked before it
// consumes anything: each must exist (or is created, with `create_topics`' partitions and replication),
// else `run` stops at start-up with one line naming the topic, instead of consuming for minutes while
// every alert fails. Bounded: an unreachable cluster is reported within `timeout`.
#pragma once

#include <chrono>

#include "common/status.h"
#include "config/service_config.h"

namespace auditstream {

// Errors: notFound naming the missing topic (and how to create it), unavailable when Kafka does not
// answer, or the creation's error.
Status checkOutputTopics(const ServiceConfig& config, std::chrono::milliseconds timeout);

}  // namespace auditstream
