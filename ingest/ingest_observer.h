// IngestObserver: what the webhook handler reports about each request, for metrics (IngestMetrics) and
// tests. Called from the server's threads: implementations are thread-safe.
#pragma once

#include <chrono>
#include <string_view>

#include "engine/reject_reason.h"

namespace auditstream {

struct RequestOutcome {
  std::string_view cluster;  // empty when the caller was not identified
  int status = 0;
  std::size_t bytes = 0;
  std::size_t events = 0;    // written to Kafka
  std::size_t rejected = 0;  // events in the request that were not audit events
  std::chrono::nanoseconds took{0};
};

class IngestObserver {
 public:
  virtual ~IngestObserver() = default;
  virtual void requestServed(const RequestOutcome& outcome) = 0;
  virtual void eventRejected(std::string_view cluster, RejectReason reason) = 0;
  virtual void deadLetterFailed(std::string_view cluster) = 0;
};

}  // namespace auditstream
