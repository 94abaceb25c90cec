// AlertDispatch: one thread's way into the AlertRouter. Each partition worker routes the stateless
// alerts it builds through its own (no hub: the polling thread never touches them); the pipeline routes
// correlation alerts, and a finite input's alerts in input order, through one more. Counts what it
// routed by rule and level, and the event-time-to-acknowledgement latency of what the durable sinks took.
//
// route() is for the owning thread; counts() may be called from any thread; acknowledgements run on the
// sinks' threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "consumer/message_effects.h"
#include "engine/alert.h"
#include "sinks/alert_router.h"

namespace auditstream {

struct AlertCounts {
  std::map<std::pair<std::string, std::string>, std::uint64_t> byRule;  // (rule id, level)
  std::map<std::string, std::uint64_t> byLevel;

  void add(const AlertCounts& other);
};

class AlertDispatch {
 public:
  using Latency = std::function<void(double)>;  // event time → durable acknowledgement, seconds

  // `router` outlives the dispatch; `deliveredLatency` (may be empty) outlives every acknowledgement.
  AlertDispatch(AlertRouter& router, const Latency& deliveredLatency) : router_(router), latency_(deliveredLatency) {}

  // `acknowledged` runs once the durable sinks have the alert (or refused it for good). An alert they did
  // not deliver (kFailed: a sink stopped first) never acknowledges: its messages stay uncommitted and are
  // consumed again. Durable sinks re-send everything else themselves, without limit.
  void route(Alert alert, std::function<void()> acknowledged);
  // The alert holds `effects` (its message's commit) until acknowledged.
  void route(Alert alert, const std::shared_ptr<MessageEffects>& effects);

  AlertCounts counts() const;

 private:
  AlertRouter& router_;
  const Latency& latency_;
  mutable std::mutex mutex_;  // counts_: written by the owner, read by the metrics thread
  AlertCounts counts_;
};

}  // namespace auditstream
