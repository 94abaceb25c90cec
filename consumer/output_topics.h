// The topics the service writes to — the alerts, dead-letter and signals topics — checked before it
// consumes anything: each must exist (or is created, with `create_topics`' partitions and replication),
// else `run` stops at start-up with one line naming the topic, instead of consuming for minutes while
// every alert fails. Bounded: an unreachable cluster is reported within `timeout`.
#pragma once

#include <chrono>

#include "common/result.h"
#include "config/service_config.h"

namespace auditstream {

// Errors: notFound naming the missing topic (and how to create it), unavailable when Kafka does not
// answer, or the creation's error.
Status checkOutputTopics(const ServiceConfig& config, std::chrono::milliseconds timeout);

// The signals topic (correlation.signals: topic), the service's own internal topic: created when
// missing (correlation.signals_partitions partitions, create_topics' replication factor or else the
// broker's default, retention.ms = `retention`). Returns its partition count. Errors as
// checkOutputTopics (unavailable, or the creation's error — e.g. no ACL to create it).
Result<int> prepareSignalsTopic(const ServiceConfig& config, std::chrono::milliseconds retention,
                                std::chrono::milliseconds timeout);

// The state changelog (correlation.state: changelog), internal like the signals topic: created when
// missing, compacted, with the signals topic's `partitions` (a task's state lives in the partition of its
// number). Errors as prepareSignalsTopic, and failedPrecondition when it exists with another partition
// count or without compaction.
Status prepareStateTopic(const ServiceConfig& config, int partitions, std::chrono::milliseconds timeout);

}  // namespace auditstream
