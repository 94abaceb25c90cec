// How the project's durable Kafka producers (the alerts sink, the dead-letter producer) treat a record
// librdkafka could not deliver: re-send it after a growing backoff, without limit, unless the broker
// can never accept that record.
#pragma once

#include <chrono>
#include <librdkafka/rdkafka.h>

namespace auditstream {

// Errors after which the same record can never be accepted (too large, malformed): re-sending would
// stall its partition for nothing.
bool refusedForGood(rd_kafka_resp_err_t error);

// The wait before re-send number `attempts` (1 = the first re-send): 100 ms doubling to at most 5 s.
std::chrono::steady_clock::duration resendBackoff(int attempts);

}  // namespace auditstream
