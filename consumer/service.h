// `auditstream run --config FILE`: the service. One consumer group member per process (eager range
// assignment by default: cooperative-sticky is unreliable in librdkafka 2.0.2), the per-message path of
// EventProcessor, the correlation engine on event time, alerts through the AlertRouter to the configured
// sinks, and offsets committed from the OffsetTracker only once a message's alerts were acknowledged by
// the durable sinks. Rejected messages are counted, logged and (with dead_letter_topic) produced there
// with reason headers — never blocking their partition. SIGTERM/SIGINT close windows, drain the sinks
// and commit; SIGHUP reloads the rules (a bad reload keeps the old rules and says why).
//
// This first version runs the per-message path on the consumer thread (one worker); per-partition
// worker threads, metrics and health endpoints are listed as left out in the issue note.
#pragma once

#include <string>

namespace auditstream {

// Exit status: 0 after a clean stop; 1 when the config or rules are bad or Kafka refuses to start.
int runService(const std::string& configPath);

}  // namespace auditstream
