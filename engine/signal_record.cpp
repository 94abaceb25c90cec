#include "engine/signal_record.h"

namespace auditstream {
namespace {

constexpr char kSignalTag = 'S';
constexpr char kProgressTag = 'P';
constexpr char kVersion = 1;
constexpr std::size_t kMaxListEntries = 4096;  // more group-by values or audit ids than any record holds

void putVarint(std::uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void putSigned(std::int64_t value, std::string& out) {  // zigzag: small negatives stay small
  putVarint((static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63), out);
}

void putString(std::string_view value, std::string& out) {
  putVarint(value.size(), out);
  out += value;
}

void putList(const std::vector<std::string>& values, std::string& out) {
  putVarint(values.size(), out);
  for (const std::string& value : values) putString(value, out);
}

// Reads what put* wrote; the first problem sticks and every later read returns a default.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return fail("truncated number");
      const auto byte = static_cast<unsigned char>(bytes_[pos_++]);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return fail("number longer than 64 bits");
  }
  std::int64_t signedVarint() {
    const std::uint64_t raw = varint();
    return static_cast<std::int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  }
  std::string string() {
    const std::uint64_t size = varint();
    if (size > bytes_.size() - pos_) {
      fail("string runs past the end of the record");
      return {};
    }
    std::string value(bytes_.substr(pos_, size));
    pos_ += size;
    return value;
  }
  std::vector<std::string> list() {
    const std::uint64_t size = count();
    std::vector<std::string> values;
    for (std::uint64_t i = 0; i < size && problem_.empty(); ++i) values.push_back(string());
    return values;
  }
  std::uint64_t count() {
    const std::uint64_t size = varint();
    if (size > kMaxListEntries || size > bytes_.size() - pos_) return fail("list longer than the record");
    return size;
  }
  char byte() {
    if (pos_ >= bytes_.size()) {
      fail("truncated record");
      return 0;
    }
    return bytes_[pos_++];
  }
  bool atEnd() const { return pos_ == bytes_.size(); }
  const std::string& problem() const { return problem_; }
  std::uint64_t fail(std::string why) {
    if (problem_.empty()) problem_ = std::move(why);
    pos_ = bytes_.size();
    return 0;
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::string problem_;
};

void putEvidence(const AlertEvidence& evidence, std::string& out) {
  putList(evidence.auditIds, out);
  putList(evidence.sourceIps, out);
  for (const std::string* field : {&evidence.user, &evidence.impersonatedUser, &evidence.verb, &evidence.requestUri,
                                   &evidence.namespaceName, &evidence.resource, &evidence.subresource, &evidence.name,
                                   &evidence.responseCode, &evidence.decision, &evidence.userAgent}) {
    putString(*field, out);
  }
}

AlertEvidence readEvidence(Reader& in) {
  AlertEvidence evidence;
  evidence.auditIds = in.list();
  evidence.sourceIps = in.list();
  for (std::string* field : {&evidence.user, &evidence.impersonatedUser, &evidence.verb, &evidence.requestUri,
                             &evidence.namespaceName, &evidence.resource, &evidence.subresource, &evidence.name,
                             &evidence.responseCode, &evidence.decision, &evidence.userAgent}) {
    *field = in.string();
  }
  return evidence;
}

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
  Reader in(bytes);
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
  const std::vector<std::string> groupValues = in.list();
  record.signal.value = in.string();
  record.signal.auditId = in.string();
  record.signal.evidence = readEvidence(in);
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
