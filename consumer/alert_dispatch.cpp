#include "consumer/alert_dispatch.h"

#include <chrono>

namespace auditstream {
namespace {

double secondsSince(EventTime time) {
  const auto now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return static_cast<double>(now - time.nanosSinceEpoch) / 1e9;
}

}  // namespace

void AlertCounts::add(const AlertCounts& other) {
  for (const auto& [key, count] : other.byRule) byRule[key] += count;
  for (const auto& [key, count] : other.byLevel) byLevel[key] += count;
}

void AlertDispatch::route(Alert alert, std::function<void()> acknowledged) {
  {
    std::lock_guard lock(mutex_);
    ++counts_.byRule[{alert.rule->id, alert.rule->level}];
    ++counts_.byLevel[alert.rule->level];
  }
  const EventTime eventTime = alert.lastEventTime;
  router_.route(std::move(alert),
                [acknowledged = std::move(acknowledged), eventTime, latency = &latency_](const Delivery& delivery) {
                  if (delivery.outcome == DeliveryOutcome::kFailed) return;
                  if (delivery.outcome == DeliveryOutcome::kDelivered && *latency) (*latency)(secondsSince(eventTime));
                  acknowledged();
                });
}

void AlertDispatch::route(Alert alert, const std::shared_ptr<MessageEffects>& effects) {
  effects->hold();
  route(std::move(alert), [effects] { effects->settle(); });
}

AlertCounts AlertDispatch::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace auditstream
