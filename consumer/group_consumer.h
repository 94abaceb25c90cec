// The service's consumer group member: librdkafka properties as the service needs them (offsets stored
// and committed by the service only, eager range assignment unless configured, earliest when the group
// has no offset, statistics every 5 s for lag and readiness), its callbacks, and the subscription to the
// configured topics or topic pattern. Also: pausing or resuming the whole assignment (back-pressure).
#pragma once

#include "common/result.h"
#include "config/service_config.h"
#include "sinks/kafka_handles.h"

namespace auditstream {

struct GroupCallbacks {
  void* opaque = nullptr;
  void (*rebalance)(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*, void*) = nullptr;
  int (*statistics)(rd_kafka_t*, char*, std::size_t, void*) = nullptr;
};

// A subscribed consumer whose poll queue is its consumer queue. Errors: a bad property, a refused subscription.
Result<KafkaClientPtr> subscribeGroupConsumer(const ServiceConfig& config, const GroupCallbacks& callbacks);

// Pauses (or resumes) every assigned partition; false when the assignment cannot be read.
bool pauseAssignment(rd_kafka_t* consumer, bool pause);

}  // namespace auditstream
