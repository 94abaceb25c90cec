// EventProcessor: one worker thread's path from message bytes to alerts — envelope decoding, parsing,
// stateless rule matching, alert building. The service's workers, `replay` and the benchmarks all use
// it, so what is measured is what runs.
//
// Owned by one thread (it holds that thread's decoder, Hyperscan scratch and caches). The RuleSet is
// shared and immutable; a reload creates a new processor.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"
#include "engine/alert.h"
#include "engine/correlation_set.h"
#include "engine/envelope_decoder.h"
#include "engine/rule_set.h"
#include "engine/signal.h"

namespace auditstream {

class MatchState;

struct MessageContext {
  std::string_view cluster;
  std::optional<EventTime> messageTime;       // Kafka timestamp: the event time of last resort
  std::optional<AlertProvenance> provenance;  // topic/partition/offset, for alerts
  std::uint32_t partition = 0;                // input partition index, for correlation watermarks
  // When set: an event with a non-empty string at this path belongs to that cluster instead (a field the
  // shipper merged into the event, e.g. `cluster`); `cluster` stays the fallback.
  const FieldPath* clusterField = nullptr;
};

struct ProcessCounters {
  std::uint64_t messages = 0;
  std::uint64_t events = 0;
  std::uint64_t ruleHits = 0;
  std::array<std::uint64_t, kRejectReasonCount> rejects{};
  std::vector<std::uint64_t> hitsByRule;  // indexed like the RuleSet
};

// Adds `part` into `total` (several workers' processors into one view); hitsByRule grows as needed.
void addCounters(ProcessCounters& total, const ProcessCounters& part);

// What one message gave: its stateless alerts, the signals for the correlation engine, the reasons
// its bytes or events were refused, and the latest event time it carried (its events move the
// partition's clock, matching or not).
struct ProcessResult {
  std::vector<Alert> alerts;
  std::vector<Signal> signals;
  std::vector<Rejection> rejections;
  std::optional<EventTime> latestEventTime;
};

class EventProcessor {
 public:
  // Errors: invalidArgument from the envelope options; internalError if Hyperscan scratch fails.
  // `correlations` (optional) turns matches of the rules they name into Signals instead of alerts
  // (unless a correlation says `generate: true`).
  static Result<std::unique_ptr<EventProcessor>> create(std::shared_ptr<const RuleSet> rules, EnvelopeOptions envelope,
                                                        std::shared_ptr<const CorrelationSet> correlations = nullptr);
  ~EventProcessor();
  EventProcessor(const EventProcessor&) = delete;
  EventProcessor& operator=(const EventProcessor&) = delete;

  // Decodes `message` and matches every event in it (rejections are also counted in counters()).
  ProcessResult process(std::string_view message, const MessageContext& context);

  // Only decodes and parses (the benchmarks' parse-only baseline); returns the number of events.
  std::size_t parseOnly(std::string_view message);

  const ProcessCounters& counters() const { return counters_; }
  const RuleSet& rules() const { return *rules_; }

 private:
  EventProcessor(std::shared_ptr<const RuleSet> rules, EnvelopeDecoder decoder, std::unique_ptr<MatchState> state,
                 std::shared_ptr<const CorrelationSet> correlations);
  void signal(const CorrelationInput& input, const AuditEvent& event, const MessageContext& context,
              std::string_view cluster, std::vector<Signal>& signals);
  bool sentRecently(const CorrelationInput& input, EventTime time, std::string_view cluster);

  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<const CorrelationSet> correlations_;
  EnvelopeDecoder decoder_;
  std::unique_ptr<MatchState> state_;
  std::vector<std::uint32_t> hits_;
  ProcessCounters counters_;
  // first_seen history signals sent recently: hash of (correlation, cluster, group key, value) → event
  // time. A repeat within kHistoryRefreshNanos adds nothing the engine does not know (the value is in the
  // history; its last-seen time moves at most that much later), so it is not sent — most requests of a
  // busy identity repeat its one user agent.
  std::unordered_map<std::uint64_t, std::int64_t> recentHistory_;
};

}  // namespace auditstream
