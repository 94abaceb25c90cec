// The pipeline's exactly-once commit (delivery: exactly_once; PipelineOptions::exactlyOnce). A
// transaction holds everything the member wrote since the last one — stateless alerts, signals and
// progress, dead letters, the correlation tasks' alerts and checkpoints — and the offsets of the input
// and signals messages whose effects those are. Committing it needs the pipeline at rest: no message at
// a worker, every task checkpointed after the last signal it took, every output acknowledged. Then
// every taken message is done, and the committed offsets are exactly those of what the transaction
// holds: a crash before the commit discards all of it, and the next owner reads it all again.
#include <thread>

#include "consumer/pipeline.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kQuiesceBound = std::chrono::seconds(10);  // well below session.timeout.ms (45 s)
constexpr auto kDrainBeforeAbort = std::chrono::seconds(30);
constexpr auto kFlushStep = std::chrono::milliseconds(5);
constexpr auto kWaitStep = std::chrono::microseconds(200);

}  // namespace

// Waits (bounded) until every message taken so far is done: the workers idle, each task checkpointed
// through its last signal, every output of both stages acknowledged by the broker.
bool Pipeline::quiesce(std::chrono::milliseconds bound) {
  const auto deadline = SteadyClock::now() + bound;
  if (!drainWorkers(bound)) return false;
  if (options_.signalPublisher != nullptr) options_.signalPublisher->publishUnsentStarts();
  if (tasks_) {
    // What fired so far goes out first, then a checkpoint that reflects it (taken after the tasks' last
    // advance), then that checkpoint: the transaction's alerts are exactly what its checkpoints reflect.
    tasks_->route(true);
    tasks_->checkpoint();
    tasks_->route(true);
  }
  while (true) {
    if (tasks_) tasks_->writeCleared();
    markDone();
    if (tracker_.inFlight() == 0) return true;
    if (SteadyClock::now() > deadline) return false;
    // Nothing left in the producer: what is missing is still on its way to it (a sink's queue, a task's
    // checkpoint behind its alerts); a short pause instead of a spin.
    if (!options_.flushOutputs || options_.flushOutputs(kFlushStep)) std::this_thread::sleep_for(kWaitStep);
  }
}

// Commits the open transaction with every done offset. False when it was aborted instead: then what
// the pipeline holds is ahead of what Kafka has, and the caller rewinds (or, revoking, forgets).
bool Pipeline::commitTransaction() {
  if (!fatal_.empty()) return true;  // nothing can be committed (or rewound) any more
  if (!quiesce(kQuiesceBound)) {
    // Whatever is still on its way must land in the transaction being aborted, not in the next one.
    drainWorkers(kDrainBeforeAbort);
    router_.flush(kDrainBeforeAbort);
    source_.abort("the outputs of the transaction were not acknowledged within " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kQuiesceBound).count()) + " s");
    return false;
  }
  std::vector<StreamPosition> positions;
  for (const auto& [stream, offset] : tracker_.committable()) positions.push_back({stream, offset});
  const Status status = source_.commit(positions, true);
  if (status.code() == StatusCode::kFailedPrecondition) return false;
  if (!status.isOk()) {
    fatal_ = status.message();
    options_.log.error("this member can no longer commit: stop it (its supervisor restarts it)", {{"error", fatal_}});
    return true;
  }
  for (const StreamPosition& position : positions) tracker_.committed(position.stream, position.next);
  committedOffsets_ += positions.size();
  return true;
}

// After an abort: every assigned stream again from its committed offset, every task from its last
// committed checkpoint (KafkaSource::rewind revokes and assigns them: revoking() lands in forgetAborted).
void Pipeline::rewind() {
  rewinding_ = true;
  source_.rewind();
  rewinding_ = false;
}

// Streams whose outputs went with an aborted transaction: forgotten without committing or publishing
// anything. Settles still on their way (a report served late) are ignored from now on (a new epoch).
void Pipeline::forgetAborted(std::span<const StreamName* const> streams) {
  for (const StreamName* stream : streams) {
    tracker_.revoke(stream->index);
    if (tasks_) tasks_->retire(stream->index);
    if (options_.signalPublisher != nullptr && !stream->signals) options_.signalPublisher->forget(*stream);
  }
  correlationGate_.forgetAll();
  done_.newEpoch();
}

}  // namespace auditstream
