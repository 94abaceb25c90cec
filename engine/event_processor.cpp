#include "engine/event_processor.h"

#include "engine/event_alert.h"
#include "engine/match_state.h"

namespace auditstream {

Result<std::unique_ptr<EventProcessor>> EventProcessor::create(std::shared_ptr<const RuleSet> rules,
                                                               EnvelopeOptions envelope) {
  ASSIGN_OR_RETURN(EnvelopeDecoder decoder, EnvelopeDecoder::create(std::move(envelope)));
  std::unique_ptr<MatchState> state = rules->newMatchState();
  if (!state) return internalError("cannot allocate Hyperscan scratch space");
  return std::unique_ptr<EventProcessor>(new EventProcessor(std::move(rules), std::move(decoder), std::move(state)));
}

EventProcessor::EventProcessor(std::shared_ptr<const RuleSet> rules, EnvelopeDecoder decoder,
                               std::unique_ptr<MatchState> state)
    : rules_(std::move(rules)), decoder_(std::move(decoder)), state_(std::move(state)) {
  counters_.hitsByRule.assign(rules_->size(), 0);
}

EventProcessor::~EventProcessor() = default;

std::vector<Rejection> EventProcessor::process(std::string_view message, const MessageContext& context,
                                               std::vector<Alert>& alerts) {
  ++counters_.messages;
  DecodeOutcome outcome = decoder_.decode(message, context.messageTime, [&](const AuditEvent& event) {
    rules_->match(event, *state_, hits_);
    for (const std::uint32_t rule : hits_) {
      ++counters_.hitsByRule[rule];
      alerts.push_back(
          makeEventAlert(rules_->ruleShared(rule), event, state_->resolver, context.cluster, context.provenance));
    }
    counters_.ruleHits += hits_.size();
  });
  counters_.events += outcome.events;
  for (const Rejection& rejection : outcome.rejections) ++counters_.rejects[static_cast<std::size_t>(rejection.reason)];
  return std::move(outcome.rejections);
}

std::size_t EventProcessor::parseOnly(std::string_view message) {
  return decoder_.decode(message, std::nullopt, [](const AuditEvent&) {}).events;
}

}  // namespace auditstream
