// EnvelopeDecoder: Kafka message bytes → 0..n AuditEvents, or the reason they are not events.
//
// One pass with simdjson On-Demand over a per-thread padded copy of the message: the top-level object
// is parsed as an Event while it is read; if it turns out to be an EventList (`items`) or an envelope
// (a configured string path such as Fluent Bit's `log`), the events inside are parsed instead. Bad
// input of any kind yields a Rejection with an enum reason and a message — never an exception or crash.
//
// Owned by one worker thread (it holds the parser and buffers); not thread-safe. Events passed to the
// callback are valid only during the call.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/function_ref.h"
#include "common/result.h"
#include "engine/audit_event.h"
#include "engine/envelope_options.h"
#include "engine/reject_reason.h"

namespace auditstream {

struct DecodeOutcome {
  std::size_t events = 0;             // events passed to the callback
  std::vector<Rejection> rejections;  // the message, or items inside it, that were not events
};

class EnvelopeDecoder {
 public:
  // Errors: invalidArgument naming a malformed string path.
  static Result<EnvelopeDecoder> create(EnvelopeOptions options);
  ~EnvelopeDecoder();
  EnvelopeDecoder(EnvelopeDecoder&&) noexcept;
  EnvelopeDecoder& operator=(EnvelopeDecoder&&) noexcept;
  EnvelopeDecoder(const EnvelopeDecoder&) = delete;
  EnvelopeDecoder& operator=(const EnvelopeDecoder&) = delete;

  // `messageTime` is the event time of last resort (the Kafka message timestamp).
  DecodeOutcome decode(std::string_view message, std::optional<EventTime> messageTime,
                       FunctionRef<void(const AuditEvent&)> onEvent);

  const EnvelopeOptions& options() const;

 private:
  struct State;
  void decodeAll(std::string_view text, const class PaddedBuffer& buffer, bool allowEnvelope);
  explicit EnvelopeDecoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace auditstream
