// FakeSink: an AlertSink for tests that records what it gets and can be corked — while corked, acks are
// held until uncork() (STYLE.md #12). Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "sinks/alert_sink.h"

namespace auditstream::testing {

class FakeSink final : public AlertSink {
 public:
  FakeSink(std::string name, bool durable) : name_(std::move(name)), durable_(durable) {}

  std::string_view name() const override { return name_; }
  bool durable() const override { return durable_; }
  void submit(std::shared_ptr<const Alert> alert, AckCallback ack) override {
    std::unique_lock lock(mutex_);
    alerts_.push_back(alert);
    if (corked_) {
      held_.push_back(std::move(ack));
      return;
    }
    lock.unlock();
    ack(outcome_);
  }
  bool flush(std::chrono::milliseconds /*timeout*/) override {
    std::lock_guard lock(mutex_);
    return held_.empty();
  }

  void cork() {
    std::lock_guard lock(mutex_);
    corked_ = true;
  }
  // Releases the held acks with `outcome`.
  void uncork(Delivery outcome = {}) {
    std::vector<AckCallback> held;
    {
      std::lock_guard lock(mutex_);
      corked_ = false;
      held.swap(held_);
    }
    for (AckCallback& ack : held) ack(outcome);
  }
  void failWith(Delivery outcome) {
    std::lock_guard lock(mutex_);
    outcome_ = std::move(outcome);
  }
  void setHealth(SinkHealth health) {
    std::lock_guard lock(mutex_);
    health_ = std::move(health);
  }
  SinkHealth health() const override {
    std::lock_guard lock(mutex_);
    return health_;
  }
  std::vector<std::shared_ptr<const Alert>> alerts() const {
    std::lock_guard lock(mutex_);
    return alerts_;
  }

 private:
  std::string name_;
  bool durable_;
  mutable std::mutex mutex_;
  bool corked_ = false;
  Delivery outcome_;
  SinkHealth health_;
  std::vector<AckCallback> held_;
  std::vector<std::shared_ptr<const Alert>> alerts_;
};

}  // namespace auditstream::testing
