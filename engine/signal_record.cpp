#include "engine/signal_record.h"

#include "engine/byte_codec.h"

namespace auditstream {
namespace {

constexpr char kSignalTag = 'S';
constexpr char kProgressTag = 'P';
constexpr char kVersion = 1;
constexpr std::size_t kMaxListEntries = 4096;  // more group-by values or audit ids than any record holds

}  // namespace

std::uint64_t stableHash(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t hash = seed;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

SignalCodec::SignalCodec(std::shared_ptr<const CorrelationSet> correlations)
    : correlations_(std::move(correlations)), chained_(correlations_->size(), false) {
  for (std::uint32_t i = 0; i < correlations_->size(); ++i) {
    byId_.emplace(correlations_->at(i).meta->id, i);
    for (const CorrelationInput& input : correlations_->inputsOfCorrelation(i)) {
      chained_[i] = true;
      chained_[input.correlation] = true;
    }
  }
}

std::int32_t SignalCodec::partitionOf(const Signal& signal, std::int32_t partitions) const {
  if (partitions <= 1) return 0;
  if (signal.correlation < chained_.size() && chained_[signal.correlation]) return 0;
  const std::uint64_t hash = stableHash(groupKeyOf(signal), stableHash(correlations_->at(signal.correlation).meta->id));
  return static_cast<std::int32_t>(hash % static_cast<std::uint64_t>(partitions));
}

void SignalCodec::encodeSignal(const Signal& signal, const SignalSource& source, std::int64_t offset,
                               std::uint32_t index, std::string& out) const {
  out += kSignalTag;
  out += kVersion;
  putString(correlations_->at(signal.correlation).meta->id, out);
  putVarint(signal.ruleOrdinal, out);
  putString(source.topic, out);
  putSigned(source.partition, out);
  putSigned(offset, out);
  putVarint(index, out);
  putSigned(signal.time.nanosSinceEpoch, out);
  putString(signal.cluster, out);
  putVarint(signal.groupBy.size(), out);
  for (const auto& [field, value] : signal.groupBy) putString(value, out);
  putString(signal.value, out);
  putString(signal.auditId, out);
  putEvidence(signal.evidence, out);
  out += static_cast<char>(signal.provenance.has_value() ? 1 : 0);  // provenance: the source at `offset`
}

void SignalCodec::encodeProgress(const ProgressRecord& progress, std::string& out) {
  out += kProgressTag;
  out += kVersion;
  putString(progress.source.topic, out);
  putSigned(progress.source.partition, out);
  putSigned(progress.watermarkNanos, out);
  out += static_cast<char>(progress.idle ? 1 : 0);
  putSigned(progress.startNanos, out);
}

Result<DecodedRecord> SignalCodec::decode(std::string_view bytes) const {
  ByteReader in(bytes);
  const char tag = in.byte();
  const char version = in.byte();
  if (!in.problem().empty()) return invalidArgument("signal record: " + in.problem());
  if (tag != kSignalTag && tag != kProgressTag) return invalidArgument("signal record: unknown record type");
  if (version != kVersion) return invalidArgument("signal record: unknown version " + std::to_string(version));
  if (tag == kProgressTag) {
    ProgressRecord progress;
    progress.source.topic = in.string();
    progress.source.partition = static_cast<std::int32_t>(in.signedVarint());
    progress.watermarkNanos = in.signedVarint();
    progress.idle = in.byte() == 1;
    progress.startNanos = in.atEnd() ? progress.watermarkNanos : in.signedVarint();
    if (!in.problem().empty()) return invalidArgument("progress record: " + in.problem());
    if (!in.atEnd()) return invalidArgument("progress record: bytes after the end");
    return DecodedRecord{std::move(progress)};
  }
  SignalRecord record;
  const std::string id = in.string();
  record.signal.ruleOrdinal = static_cast<std::uint32_t>(in.varint());
  record.source.topic = in.string();
  record.source.partition = static_cast<std::int32_t>(in.signedVarint());
  record.offset = in.signedVarint();
  record.index = static_cast<std::uint32_t>(in.varint());
  record.signal.time = EventTime{in.signedVarint()};
  record.signal.cluster = in.string();
  const std::vector<std::string> groupValues = in.list(kMaxListEntries);
  record.signal.value = in.string();
  record.signal.auditId = in.string();
  record.signal.evidence = in.evidence();
  const bool provenance = in.byte() == 1;
  if (!in.problem().empty()) return invalidArgument("signal record: " + in.problem());
  if (!in.atEnd()) return invalidArgument("signal record: bytes after the end");
  const auto found = byId_.find(id);
  if (found == byId_.end()) return invalidArgument("signal record: correlation '" + id + "' is not loaded here");
  const CorrelationSpec& spec = correlations_->at(found->second).spec;
  if (groupValues.size() != spec.groupBy.size()) {
    return invalidArgument("signal record: " + std::to_string(groupValues.size()) + " group-by values for '" + id +
                           "', which groups by " + std::to_string(spec.groupBy.size()));
  }
  if (record.signal.ruleOrdinal >= spec.rules.size()) {
    return invalidArgument("signal record: '" + id + "' has no rule at position " +
                           std::to_string(record.signal.ruleOrdinal));
  }
  record.signal.correlation = found->second;
  for (std::size_t i = 0; i < groupValues.size(); ++i)
    record.signal.groupBy.emplace_back(spec.groupBy[i], groupValues[i]);
  if (provenance)
    record.signal.provenance = AlertProvenance{record.source.topic, record.source.partition, record.offset};
  return DecodedRecord{std::move(record)};
}

}  // namespace auditstream
