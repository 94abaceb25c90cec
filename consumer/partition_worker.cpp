#include "consumer/partition_worker.h"

#include <cstdio>

namespace auditstream {

void OutcomeQueue::push(std::vector<MessageOutcome> outcomes) {
  {
    std::lock_guard lock(mutex_);
    if (outcomes_.empty()) {
      outcomes_ = std::move(outcomes);
    } else {
      for (MessageOutcome& outcome : outcomes) outcomes_.push_back(std::move(outcome));
    }
  }
  wake_();
}

std::vector<MessageOutcome> OutcomeQueue::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(outcomes_, {});
}

PartitionWorker::PartitionWorker(std::unique_ptr<EventProcessor> processor, const WorkerContext& context)
    : processor_(std::move(processor)),
      context_(context),
      resolver_(context.identity),
      rejectionLog_(*context.clock, 10, std::chrono::seconds(1)),
      inbox_(std::size_t{1} << 20U),  // batches; the consumer pauses partitions long before this fills
      thread_([this] { run(); }) {}

PartitionWorker::~PartitionWorker() {
  inbox_.close();
  thread_.join();
}

void PartitionWorker::submit(std::vector<InputMessage> batch) {
  pending_ += batch.size();
  inbox_.push(std::move(batch));
}

void PartitionWorker::replaceProcessor(std::unique_ptr<EventProcessor> processor) {
  processor_ = std::move(processor);  // the worker is blocked in pop(): the next batch sees the new one
  std::lock_guard lock(countersMutex_);
  counters_ = processor_->counters();
}

ProcessCounters PartitionWorker::counters() const {
  std::lock_guard lock(countersMutex_);
  return counters_;
}

namespace {

constexpr auto kStallLimit = std::chrono::seconds(60);

std::int64_t steadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string PartitionWorker::problem() const {
  if (!alive_.load()) {
    std::lock_guard lock(countersMutex_);
    return "a partition worker died: " + death_;
  }
  const auto since = std::chrono::nanoseconds(steadyNanos() - lastProgress_.load());
  if (!idle() && since > kStallLimit) {
    return "a partition worker has been on one batch for " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count()) + " s";
  }
  return {};
}

void PartitionWorker::run() {
  try {
    processBatches();
  } catch (const std::exception& error) {  // a bug: say so on /healthz rather than hang silently
    std::fprintf(stderr, "auditstream: partition worker stopped: %s\n", error.what());
    std::lock_guard lock(countersMutex_);
    death_ = error.what();
    alive_ = false;
  }
}

void PartitionWorker::processBatches() {
  while (std::optional<std::vector<InputMessage>> batch = inbox_.pop()) {
    lastProgress_ = steadyNanos();
    std::vector<MessageOutcome> outcomes;
    outcomes.reserve(batch->size());
    for (const InputMessage& message : *batch) outcomes.push_back(process(message));
    {
      std::lock_guard lock(countersMutex_);
      counters_ = processor_->counters();
      addCounters(counters_, stageCounters_);
    }
    const std::size_t done = batch->size();
    batch.reset();  // messages destroyed before the consumer thread may see the worker idle
    context_.outcomes->push(std::move(outcomes));
    lastProgress_ = steadyNanos();
    pending_ -= done;
  }
}

MessageOutcome PartitionWorker::process(const InputMessage& message) {
  const StreamName& stream = *message.stream;
  MessageOutcome outcome;
  outcome.slot = stream.index;
  outcome.offset = message.offset;
  if (context_.stage != PipelineStage::kDetect) {
    ++stageCounters_.messages;
    if (context_.stage == PipelineStage::kParse) stageCounters_.events += processor_->parseOnly(message.payload);
    return outcome;
  }
  const ClusterResolver::Choice cluster = resolver_.resolve(stream.topic, message.clusterHint);
  MessageContext context{cluster.cluster, message.time, std::nullopt, stream.positional ? stream.index : 0};
  if (stream.positional) context.provenance = AlertProvenance{stream.topic, stream.partition, message.offset};
  if (cluster.eventFieldFirst && context_.clusterField) context.clusterField = &*context_.clusterField;
  const std::vector<Rejection> rejections = processor_->process(message.payload, context, outcome.alerts);
  for (const Rejection& rejection : rejections) {
    std::uint64_t leftOut = 0;
    if (rejectionLog_.allow(leftOut)) {
      if (leftOut > 0) {
        std::fprintf(stderr, "auditstream: %llu more rejections not logged (auditstream_rejected_total counts all)\n",
                     static_cast<unsigned long long>(leftOut));
      }
      std::fprintf(stderr, "auditstream: rejected %s[%d]@%lld: %s: %s\n", stream.topic.c_str(), stream.partition,
                   static_cast<long long>(message.offset), std::string(rejectReasonName(rejection.reason)).c_str(),
                   rejection.message.c_str());
    }
    if (context_.deadLetters == nullptr) continue;
    if (!outcome.effects)
      outcome.effects = std::make_shared<MessageEffects>(stream.index, message.offset, *context_.done);
    outcome.effects->hold();
    context_.deadLetters->send(message.payload, {stream.topic, stream.partition, message.offset, cluster.cluster},
                               rejection, [effects = outcome.effects] { effects->settle(); });
  }
  outcome.latestEventTime = processor_->latestEventTime();
  outcome.signals = processor_->takeSignals();
  return outcome;
}

}  // namespace auditstream
