#include "engine/event_processor.h"

#include <algorithm>
#include <functional>

#include "engine/event_alert.h"
#include "engine/match_state.h"

namespace auditstream {

Result<std::unique_ptr<EventProcessor>> EventProcessor::create(std::shared_ptr<const RuleSet> rules,
                                                               EnvelopeOptions envelope,
                                                               std::shared_ptr<const CorrelationSet> correlations) {
  ASSIGN_OR_RETURN(EnvelopeDecoder decoder, EnvelopeDecoder::create(std::move(envelope)));
  std::unique_ptr<MatchState> state = rules->newMatchState();
  if (!state) return internalError("cannot allocate Hyperscan scratch space");
  return std::unique_ptr<EventProcessor>(
      new EventProcessor(std::move(rules), std::move(decoder), std::move(state), std::move(correlations)));
}

EventProcessor::EventProcessor(std::shared_ptr<const RuleSet> rules, EnvelopeDecoder decoder,
                               std::unique_ptr<MatchState> state, std::shared_ptr<const CorrelationSet> correlations)
    : rules_(std::move(rules)),
      correlations_(std::move(correlations)),
      decoder_(std::move(decoder)),
      state_(std::move(state)) {
  counters_.hitsByRule.assign(rules_->size(), 0);
}

EventProcessor::~EventProcessor() = default;

ProcessResult EventProcessor::process(std::string_view message, const MessageContext& context) {
  ++counters_.messages;
  ProcessResult result;
  std::optional<EventTime>& latest = result.latestEventTime;
  DecodeOutcome outcome = decoder_.decode(message, context.messageTime, [&](const AuditEvent& event) {
    latest = latest ? std::max(*latest, event.time) : event.time;
    rules_->match(event, *state_, hits_);
    if (hits_.empty()) return;
    std::string_view cluster = context.cluster;
    if (context.clusterField != nullptr) {
      const std::string_view fromEvent = state_->resolver.firstString(*context.clusterField);
      if (!fromEvent.empty()) cluster = fromEvent;
    }
    for (const std::uint32_t rule : hits_) {
      ++counters_.hitsByRule[rule];
      if (correlations_) {
        for (const CorrelationInput& input : correlations_->inputsOfRule(rule))
          signal(input, event, context, cluster, result.signals);
        if (!correlations_->ruleAlertsAlone(rule)) continue;
      }
      result.alerts.push_back(makeEventAlert(rules_->ruleShared(rule), event, cluster, context.provenance));
    }
    counters_.ruleHits += hits_.size();
  });
  counters_.events += outcome.events;
  for (const Rejection& rejection : outcome.rejections) ++counters_.rejects[static_cast<std::size_t>(rejection.reason)];
  result.rejections = std::move(outcome.rejections);
  return result;
}

void EventProcessor::signal(const CorrelationInput& input, const AuditEvent& event, const MessageContext& context,
                            std::string_view cluster, std::vector<Signal>& signals) {
  const CorrelationSpec& spec = correlations_->at(input.correlation).spec;
  // first_seen history rules never alert: their signals need no evidence, and repeats need no signal.
  const bool historyOnly = spec.type == CorrelationType::kFirstSeen && input.ordinal + 1 < spec.rules.size();
  if (historyOnly && sentRecently(input, event.time, cluster)) return;
  Signal signal;
  signal.correlation = input.correlation;
  signal.ruleOrdinal = input.ordinal;
  signal.partition = context.partition;
  signal.time = event.time;
  signal.cluster = std::string(cluster);
  for (std::size_t i = 0; i < input.groupByPaths.size(); ++i) {
    signal.groupBy.emplace_back(spec.groupBy[i], state_->resolver.firstString(input.groupByPaths[i]));
  }
  for (const FieldPath& path : input.valuePaths) {
    if (!signal.value.empty()) signal.value += '\x1f';
    signal.value += state_->resolver.firstString(path);
  }
  signal.auditId = std::string(event.get(FastField::kAuditId));
  if (!historyOnly) {
    signal.evidence = evidenceOf(event);
    signal.provenance = context.provenance;
  }
  signals.push_back(std::move(signal));
}

bool EventProcessor::sentRecently(const CorrelationInput& input, EventTime time, std::string_view cluster) {
  constexpr std::int64_t kHistoryRefreshNanos = 60'000'000'000;
  constexpr std::size_t kMaxRemembered = 1U << 16U;
  const std::hash<std::string_view> hash;
  std::uint64_t key = (std::uint64_t{input.correlation} << 32U) ^ hash(cluster);
  const auto mix = [&key](std::uint64_t part) { key ^= part + 0x9e3779b97f4a7c15ULL + (key << 6U) + (key >> 2U); };
  for (const FieldPath& path : input.groupByPaths) mix(hash(state_->resolver.firstString(path)));
  for (const FieldPath& path : input.valuePaths) mix(hash(state_->resolver.firstString(path)) * 31U + 1U);
  if (recentHistory_.size() >= kMaxRemembered) recentHistory_.clear();
  const auto [entry, inserted] = recentHistory_.try_emplace(key, time.nanosSinceEpoch);
  if (inserted) return false;
  const std::int64_t apart = time.nanosSinceEpoch - entry->second;
  if (apart < kHistoryRefreshNanos && apart > -kHistoryRefreshNanos) return true;
  entry->second = std::max(entry->second, time.nanosSinceEpoch);
  return false;
}

std::size_t EventProcessor::parseOnly(std::string_view message) {
  return decoder_.decode(message, std::nullopt, [](const AuditEvent&) {}).events;
}

void addCounters(ProcessCounters& total, const ProcessCounters& part) {
  total.messages += part.messages;
  total.events += part.events;
  total.ruleHits += part.ruleHits;
  for (std::size_t i = 0; i < total.rejects.size(); ++i) total.rejects[i] += part.rejects[i];
  if (total.hitsByRule.size() < part.hitsByRule.size()) total.hitsByRule.resize(part.hitsByRule.size(), 0);
  for (std::size_t i = 0; i < part.hitsByRule.size(); ++i) total.hitsByRule[i] += part.hitsByRule[i];
}

}  // namespace auditstream
