// SignalRecord: the bytes a correlation signal, or a source's watermark progress, travels as between the
// two stages (ARCHITECTURE.md, Correlations across members): stage 1 writes each signal to the signals
// partition its correlation and group key hash to, and every source's progress to every partition;
// stage 2 (a correlation task per signals partition) reads them back into its engine.
//
// A signal names its correlation by id (members may briefly run different rule sets during a reload:
// an id the reader does not know is reported, not misapplied), carries its group-by values in the
// correlation's group-by order, and its source (input topic and partition) and offset, which order
// signals of equal event time the same way on every member. Chained correlations all hash to one
// partition (an inner correlation's fire must reach the outer one whatever its group key).
//
// Format: a tag byte ('S' signal, 'P' progress), a version byte, then varints and length-prefixed
// strings. Decoding checks every length against the buffer: bad bytes are an error, never a crash.
// Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/result.h"
#include "engine/correlation_set.h"
#include "engine/signal.h"

namespace auditstream {

// Where a signal's event was read: the input topic and partition (a correlation task keeps one
// watermark clock per source).
struct SignalSource {
  std::string topic;
  std::int32_t partition = 0;
  bool operator==(const SignalSource&) const = default;
  auto operator<=>(const SignalSource&) const = default;
};

struct SignalRecord {
  Signal signal;  // `partition` and `sequence` are the reader's to set
  SignalSource source;
  std::int64_t offset = 0;  // of the input message in its source
  // The signal's place among the signals of its message: (offset, index) grows strictly in the order
  // one owner writes a source's signals, so a task drops what a new owner re-writes after a rebalance.
  std::uint32_t index = 0;
};

// A source's owner reports how far its event time has come; `idle`: no event for idle_timeout, so the
// source must not hold the task's watermark back.
struct ProgressRecord {
  SignalSource source;
  std::int64_t watermarkNanos = 0;
  bool idle = false;
  // The earliest event time the owner has seen on the source (CorrelationEngine::observeStart). A record
  // without it (written before it existed) reads as the watermark.
  std::int64_t startNanos = 0;
};

using DecodedRecord = std::variant<SignalRecord, ProgressRecord>;

class SignalCodec {
 public:
  explicit SignalCodec(std::shared_ptr<const CorrelationSet> correlations);

  // The signals partition (of `partitions`) a signal belongs to; the same on every member.
  std::int32_t partitionOf(const Signal& signal, std::int32_t partitions) const;
  // Appends the record of `signal` (the `index`th of the message read from `source` at `offset`) to `out`.
  void encodeSignal(const Signal& signal, const SignalSource& source, std::int64_t offset, std::uint32_t index,
                    std::string& out) const;
  static void encodeProgress(const ProgressRecord& progress, std::string& out);
  // Errors: invalidArgument saying what is wrong (truncated, unknown tag or version, unknown correlation,
  // group-by values that do not fit the correlation).
  Result<DecodedRecord> decode(std::string_view bytes) const;

  // The index of the correlation with this id, if loaded.
  std::optional<std::uint32_t> indexOf(const std::string& id) const {
    const auto found = byId_.find(id);
    if (found == byId_.end()) return std::nullopt;
    return found->second;
  }
  const CorrelationSet& correlations() const { return *correlations_; }
  const std::shared_ptr<const CorrelationSet>& correlationsPtr() const { return correlations_; }

 private:
  std::shared_ptr<const CorrelationSet> correlations_;
  std::vector<bool> chained_;  // per correlation: part of a chain (all on one partition)
  std::unordered_map<std::string, std::uint32_t> byId_;
};

// 64-bit FNV-1a: a hash that is the same on every machine and build (std::hash is not).
std::uint64_t stableHash(std::string_view bytes, std::uint64_t seed = 0xcbf29ce484222325ULL);

}  // namespace auditstream
