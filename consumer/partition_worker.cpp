#include "consumer/partition_worker.h"

#include "common/thread_name.h"

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

PartitionWorker::PartitionWorker(std::unique_ptr<EventProcessor> processor, const WorkerContext& context,
                                 unsigned number)
    : processor_(std::move(processor)),
      context_(context),
      resolver_(context.identity),
      dispatch_(context.router ? std::make_optional<AlertDispatch>(*context.router, *context.deliveredLatency)
                               : std::nullopt),
      rejectionLog_(*context.clock, 10, std::chrono::seconds(1)),
      inbox_(std::size_t{1} << 20U),  // batches; the consumer pauses partitions long before this fills
      thread_([this, number] {
        nameThisThread("as-worker-" + std::to_string(number));
        run();
      }) {}

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

AlertCounts PartitionWorker::alertCounts() const { return dispatch_ ? dispatch_->counts() : AlertCounts{}; }

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
    context_.log.error("partition worker stopped", {{"error", error.what()}});
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
  ProcessResult result = processor_->process(message.payload, context);
  for (const Rejection& rejection : result.rejections) {
    std::uint64_t leftOut = 0;
    if (rejectionLog_.allow(leftOut)) {
      if (leftOut > 0) {
        context_.log.warn("more rejections not logged (auditstream_rejected_total counts all)",
                          {{"not_logged", leftOut}});
      }
      context_.log.warn("message rejected", {{"topic", stream.topic},
                                             {"partition", stream.partition},
                                             {"offset", message.offset},
                                             {"reason", rejectReasonName(rejection.reason)},
                                             {"detail", rejection.message}});
    }
    if (context_.deadLetters == nullptr) continue;
    effectsOf(outcome).hold();
    context_.deadLetters->send(message.payload, {stream.topic, stream.partition, message.offset, cluster.cluster},
                               rejection, [effects = outcome.effects] { effects->settle(); });
  }
  routeAlerts(result.alerts, outcome);
  outcome.signals = std::move(result.signals);
  outcome.latestEventTime = result.latestEventTime;
  return outcome;
}

// The message's own hold on its effects stays until the polling thread applies the outcome: its offset
// cannot be done before then, however fast the sinks acknowledge.
MessageEffects& PartitionWorker::effectsOf(MessageOutcome& outcome) {
  if (!outcome.effects)
    outcome.effects = std::make_shared<MessageEffects>(outcome.slot, outcome.offset, *context_.done);
  return *outcome.effects;
}

void PartitionWorker::routeAlerts(std::vector<Alert>& alerts, MessageOutcome& outcome) {
  if (!dispatch_) {
    outcome.alerts = std::move(alerts);
    return;
  }
  if (alerts.empty()) return;
  effectsOf(outcome);
  for (Alert& alert : alerts) dispatch_->route(std::move(alert), outcome.effects);
}

}  // namespace auditstream
