#include "consumer/correlation_thread.h"

#include <algorithm>

#include "common/thread_name.h"

namespace auditstream {

namespace {
constexpr auto kAdvanceEvery = std::chrono::milliseconds(100);  // also when no batch comes: idle partitions
constexpr auto kStallLimit = std::chrono::seconds(60);
}  // namespace

CorrelationThread::CorrelationThread(std::unique_ptr<CorrelationEngine> engine, Logger log)
    : engine_(std::move(engine)), counters_(engine_->counters()), log_(std::move(log)), thread_([this] {
        nameThisThread("as-correlations");
        run();
      }) {}

CorrelationThread::~CorrelationThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CorrelationThread::observe(std::uint32_t partition, EventTime time) {
  // A partition's clock only moves forward: the batch keeps the latest time, not every message's.
  if (batch_.clocks.size() <= partition) {
    batch_.clocks.resize(partition + 1, kNoClock);
    batch_.idle.resize(partition + 1, false);
    batch_.seen.resize(partition + 1, false);
  }
  batch_.seen[partition] = true;
  batch_.clocks[partition] = std::max(batch_.clocks[partition], time.nanosSinceEpoch);
  batch_.idle[partition] = false;
}

void CorrelationThread::observeStart(EventTime time) { batch_.start = std::min(batch_.start, time.nanosSinceEpoch); }

void CorrelationThread::markIdle(std::uint32_t partition, EventTime latest) {
  observe(partition, latest);
  batch_.idle[partition] = true;
}

void CorrelationThread::add(Signal signal) {
  batch_.signals.push_back(std::move(signal));
  if (batch_.signals.size() >= kBatchSignals) handOver();
}

void CorrelationThread::checkpoint(std::uint64_t id) {
  batch_.checkpoint = id;
  handOver();
}

void CorrelationThread::handOver() {
  if (batch_.clocks.empty() && batch_.signals.empty() && batch_.start == kNoStart && !batch_.checkpoint) return;
  {
    std::unique_lock lock(mutex_);
    caughtUp_.wait(lock, [&] { return queue_.size() < kMaxQueuedBatches || stopping_ || !death_.empty(); });
    if (!death_.empty()) {  // nothing applies signals any more: their messages stay uncommitted
      batch_ = {};
      return;
    }
    queue_.push_back(std::exchange(batch_, {}));
    idle_ = false;
  }
  wake_.notify_one();
}

void CorrelationThread::run() {
  try {
    applyBatches();
  } catch (const std::exception& error) {  // a bug: /healthz says so; the consumer thread stops waiting
    log_.error("correlation thread stopped", {{"error", error.what()}});
    std::lock_guard lock(mutex_);
    death_ = error.what();
    idle_ = true;
    queue_.clear();
    caughtUp_.notify_all();
  }
}

void CorrelationThread::applyBatches() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, kAdvanceEvery, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    busySince_ = std::chrono::steady_clock::now();
    std::deque<Batch> batches = std::exchange(queue_, {});
    caughtUp_.notify_all();  // room in the queue
    lock.unlock();
    for (Batch& batch : batches) {
      if (batch.start != kNoStart) engine_->observeStart(EventTime{batch.start});
      for (std::uint32_t partition = 0; partition < batch.clocks.size(); ++partition) {
        if (!batch.seen[partition]) continue;
        if (batch.idle[partition]) {
          engine_->markIdle(partition, EventTime{batch.clocks[partition]});
        } else {
          engine_->observe(partition, EventTime{batch.clocks[partition]});
        }
      }
      for (Signal& signal : batch.signals) engine_->add(std::move(signal));
      if (batch.checkpoint) {
        // After an advance, published with what it fired: the checkpoint reflects every alert that comes
        // before it (a restore from it fires none of them again) and none that comes after.
        std::vector<Alert> fired = engine_->advance();
        EngineCheckpoint checkpoint = engine_->takeChanges();
        std::lock_guard checkpoints(mutex_);
        publish(std::move(fired));
        checkpoints_.emplace_back(*batch.checkpoint, std::move(checkpoint));
      }
    }
    std::vector<Alert> fired = engine_->advance();
    lock.lock();
    publish(std::move(fired));
    if (queue_.empty()) {
      idle_ = true;
      caughtUp_.notify_all();
    }
  }
}

void CorrelationThread::publish(std::vector<Alert> fired) {
  if (fired_.empty()) {
    fired_ = std::move(fired);
  } else {
    for (Alert& alert : fired) fired_.push_back(std::move(alert));
  }
  appliedThrough_ = engine_->appliedThrough();
  counters_ = engine_->counters();
}

CorrelationThread::Fired CorrelationThread::takeFired() {
  handOver();
  std::lock_guard lock(mutex_);
  return Fired{std::exchange(fired_, {}), appliedThrough_, std::exchange(checkpoints_, {})};
}

CorrelationThread::Fired CorrelationThread::takeFiredAfterCatchingUp(std::chrono::milliseconds bound) {
  handOver();
  std::unique_lock lock(mutex_);
  caughtUp_.wait_for(lock, bound, [&] { return idle_ && queue_.empty(); });
  return Fired{std::exchange(fired_, {}), appliedThrough_, std::exchange(checkpoints_, {})};
}

void CorrelationThread::applyAllAndJoin() {
  handOver();
  {
    std::unique_lock lock(mutex_);
    caughtUp_.wait(lock, [&] { return idle_ && queue_.empty(); });
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

CorrelationThread::Fired CorrelationThread::finish() {
  applyAllAndJoin();  // the thread is gone: the engine is ours
  std::vector<Alert> fired = engine_->finish();
  std::lock_guard lock(mutex_);
  publish(std::move(fired));
  return Fired{std::exchange(fired_, {}), appliedThrough_, std::exchange(checkpoints_, {})};
}

std::pair<CorrelationThread::Fired, std::unique_ptr<CorrelationEngine>> CorrelationThread::stop() {
  applyAllAndJoin();
  std::lock_guard lock(mutex_);
  Fired fired{std::exchange(fired_, {}), appliedThrough_, std::exchange(checkpoints_, {})};
  return {std::move(fired), std::move(engine_)};
}

std::string CorrelationThread::problem() const {
  std::lock_guard lock(mutex_);
  if (!death_.empty()) return "the correlation thread died: " + death_;
  const auto busy = std::chrono::steady_clock::now() - busySince_;
  if (!idle_ && busy > kStallLimit) {
    return "the correlation thread has been on one round for " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(busy).count()) + " s";
  }
  return {};
}

CorrelationCounters CorrelationThread::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace auditstream
