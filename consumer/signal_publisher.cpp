#include "consumer/signal_publisher.h"

namespace auditstream {
namespace {

constexpr auto kProgressEvery = std::chrono::seconds(1);

}  // namespace

SignalPublisher::SignalPublisher(std::unique_ptr<DurableProducer> producer, std::int32_t partitions,
                                 std::shared_ptr<const CorrelationSet> correlations, const Clock& clock,
                                 std::chrono::nanoseconds idleTimeout)
    : producer_(std::move(producer)),
      partitions_(std::max(1, partitions)),
      codec_(std::make_unique<SignalCodec>(std::move(correlations))),
      clock_(clock),
      idleTimeout_(idleTimeout) {}

void SignalPublisher::replaceCorrelations(std::shared_ptr<const CorrelationSet> correlations) {
  codec_ = std::make_unique<SignalCodec>(std::move(correlations));
}

void SignalPublisher::publish(const StreamName& stream, std::int64_t offset, const std::vector<Signal>& signals,
                              const std::shared_ptr<MessageEffects>& effects) {
  const SignalSource source{stream.topic, stream.partition};
  for (std::uint32_t index = 0; index < signals.size(); ++index) {
    const Signal& signal = signals[index];
    DurableRecord record;
    record.partition = codec_->partitionOf(signal, partitions_);
    codec_->encodeSignal(signal, source, offset, index, record.value);
    // Keyed like the partition is chosen (correlation and group key), for tools that read the topic.
    const std::uint64_t key =
        stableHash(groupKeyOf(signal), stableHash(codec_->correlations().at(signal.correlation).meta->id));
    record.key.assign(reinterpret_cast<const char*>(&key), sizeof key);
    counters_.bytes += record.value.size() + record.key.size();
    ++counters_.signals;
    effects->hold();
    record.done = [effects] { effects->settle(); };
    producer_->send(std::move(record));
  }
}

void SignalPublisher::assigned(const StreamName& stream) {
  auto [entry, inserted] = progress_.try_emplace(stream.index);
  if (!inserted) return;
  Progress& progress = entry->second;
  progress.source = {stream.topic, stream.partition};
  progress.lastEvent = clock_.monotonicNow();
  // Before any of its signals: every task counts the stream among its sources from now on (no clock
  // yet), so none applies a signal of a time this stream has not reached.
  send(progress, false);
}

void SignalPublisher::send(Progress& progress, bool idle) {
  progress.sentStart = progress.start;
  std::string bytes;
  SignalCodec::encodeProgress({progress.source, progress.watermark, idle, progress.start}, bytes);
  for (std::int32_t partition = 0; partition < partitions_; ++partition) {
    DurableRecord record;
    record.partition = partition;
    record.value = bytes;
    counters_.bytes += record.value.size();
    ++counters_.progress;
    producer_->send(std::move(record));
  }
}

void SignalPublisher::observe(const StreamName& stream, EventTime latest) {
  auto [entry, inserted] = progress_.try_emplace(stream.index);
  Progress& progress = entry->second;
  if (inserted) progress.source = {stream.topic, stream.partition};
  progress.watermark = std::max(progress.watermark, latest.nanosSinceEpoch);
  progress.start = std::min(progress.start, latest.nanosSinceEpoch);
  progress.lastEvent = clock_.monotonicNow();
  progress.reportedIdle = false;
}

// A revoked stream's last progress goes out (how far this owner read), then stops; its new owner's
// progress takes over (tasks keep the maximum).
void SignalPublisher::revoked(const StreamName& stream) {
  const auto found = progress_.find(stream.index);
  if (found == progress_.end()) return;
  if (found->second.start <= found->second.watermark) send(found->second, false);
  progress_.erase(found);
}

void SignalPublisher::publishUnsentStarts() {
  for (auto& [index, progress] : progress_) {
    if (progress.start <= progress.watermark && progress.start != progress.sentStart) send(progress, false);
  }
}

void SignalPublisher::publishProgress(bool now) {
  const auto at = clock_.monotonicNow();
  if (!now && at - lastProgress_ < kProgressEvery) return;
  lastProgress_ = at;
  for (auto& [index, progress] : progress_) {
    const bool idle = at - progress.lastEvent > idleTimeout_;
    if (idle && progress.reportedIdle) continue;                 // said once; it stays idle until its next event
    if (!idle && progress.start > progress.watermark) continue;  // nothing read yet: nothing to say until idle
    progress.reportedIdle = idle;
    send(progress, idle);
  }
}

}  // namespace auditstream
