// SignalPublisher: stage 1's side of the signals topic (ARCHITECTURE.md, Data flow). Each correlation
// signal of an applied input message goes, as a SignalRecord, to the signals partition its correlation
// and group key hash to; the message's effects wait for the broker's acknowledgement of every one
// (DurableProducer: idempotent, acks=all, re-sent without limit), so an input offset commits once its
// signals are durable — no window hold. Every second, and when a stream goes quiet, the event-time
// progress of every assigned input stream goes to every signals partition: a correlation task's
// watermark is the minimum over the sources it hears from.
//
// Progress is written only after the signals it covers (one producer, one partition: Kafka keeps the
// order), so a task never sees a source's watermark pass a signal it has not received yet.
//
// Every method is for the pipeline's polling thread.
#pragma once

#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "consumer/durable_producer.h"
#include "consumer/message_effects.h"
#include "consumer/source.h"
#include "engine/signal_record.h"

namespace auditstream {

struct PublisherCounters {
  std::uint64_t signals = 0;   // signal records handed to the producer
  std::uint64_t progress = 0;  // progress records
  std::uint64_t bytes = 0;     // record bytes, both kinds
};

class SignalPublisher {
 public:
  // `partitions`: the signals topic's partition count. `idleTimeout`: a stream with no event for this
  // long (wall time) is reported idle.
  SignalPublisher(std::unique_ptr<DurableProducer> producer, std::int32_t partitions,
                  std::shared_ptr<const CorrelationSet> correlations, const Clock& clock,
                  std::chrono::nanoseconds idleTimeout);

  void replaceCorrelations(std::shared_ptr<const CorrelationSet> correlations);
  // The `signals` of the message at `offset` of `stream`; each holds `effects` until the broker has it.
  void publish(const StreamName& stream, std::int64_t offset, const std::vector<Signal>& signals,
               const std::shared_ptr<MessageEffects>& effects);
  // An assigned input stream: reported idle once it has had no event for the idle timeout, even before
  // its first (a new owner that finds nothing to read must release the tasks' watermarks).
  void assigned(const StreamName& stream);
  // An applied message's latest event time.
  void observe(const StreamName& stream, EventTime latest);
  void revoked(const StreamName& stream);
  // Forgotten without a last progress record (exactly-once, after an abort: the progress it reached was
  // discarded with the transaction, and its input is read again).
  void forget(const StreamName& stream) { progress_.erase(stream.index); }
  // Writes every stream's progress when a second has passed since the last time (or `now`).
  void publishProgress(bool now = false);
  // Exactly-once, before each commit: a progress record for every stream whose earliest event time has
  // not been written yet (once per stream and owner). The offsets a transaction commits then never go
  // without their reader's start: first_seen learns from the earliest event any owner read, and the next
  // owner, reading on from those offsets, starts later.
  void publishUnsentStarts();
  bool flush(std::chrono::milliseconds timeout) { return producer_->flush(timeout); }

  PublisherCounters counters() const { return counters_; }
  const DurableProducer& producer() const { return *producer_; }

 private:
  struct Progress {
    SignalSource source;
    std::int64_t watermark = std::numeric_limits<std::int64_t>::min();  // none read yet: the minimum
    std::int64_t start = std::numeric_limits<std::int64_t>::max();      // the earliest event time read
    std::int64_t sentStart = std::numeric_limits<std::int64_t>::max();  // `start` as last written
    Clock::MonotonicTime lastEvent;
    bool reportedIdle = false;
  };

  void send(Progress& progress, bool idle);

  std::unique_ptr<DurableProducer> producer_;
  std::int32_t partitions_;
  std::unique_ptr<SignalCodec> codec_;
  const Clock& clock_;
  std::chrono::nanoseconds idleTimeout_;
  std::map<std::uint32_t, Progress> progress_;  // by stream index: the assigned input streams seen
  Clock::MonotonicTime lastProgress_{};
  PublisherCounters counters_;
};

}  // namespace auditstream
