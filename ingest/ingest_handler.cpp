#include "ingest/ingest_handler.h"

#include <string>

#include "common/json_writer.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kRejectLogEvery = std::chrono::seconds(10);
constexpr int kRetryAfterSeconds = 5;

WebhookResponse answer(int status, std::string_view message, std::size_t events = 0, std::size_t rejected = 0) {
  std::string body = "{\"code\":" + std::to_string(status) + ",\"message\":";
  appendJsonString(body, message);
  if (status == 200) body += ",\"events\":" + std::to_string(events) + ",\"rejected\":" + std::to_string(rejected);
  body += "}\n";
  return {status, std::move(body), status == 503 ? kRetryAfterSeconds : 0};
}

}  // namespace

// The events of one request body: their text and keys copied out of the decoder (its views end with
// the callback), and the rejections.
struct IngestHandler::Decoded {
  std::string arena;
  struct Span {
    std::size_t valueAt, valueSize, keyAt, keySize;
  };
  std::vector<Span> spans;
  std::vector<Rejection> rejections;
  std::size_t tooLarge = 0;  // events past max_event_bytes (also among the rejections)

  std::vector<OutgoingEvent> events() const {
    std::vector<OutgoingEvent> out;
    out.reserve(spans.size());
    for (const Span& span : spans) {
      out.push_back({std::string_view(arena).substr(span.valueAt, span.valueSize),
                     std::string_view(arena).substr(span.keyAt, span.keySize)});
    }
    return out;
  }
};

IngestHandler::IngestHandler(const IngestConfig& config, ClientDirectory clients, EventPublisher& publisher,
                             IngestObserver& observer, Logger log)
    : config_(config), clients_(std::move(clients)), publisher_(publisher), observer_(observer), log_(std::move(log)) {}

IngestHandler::~IngestHandler() = default;

WebhookResponse IngestHandler::handle(const WebhookRequest& request) {
  const auto started = SteadyClock::now();
  RequestOutcome outcome;
  outcome.bytes = request.body.size();
  WebhookResponse response = serve(request, outcome);
  outcome.status = response.status;
  outcome.took = SteadyClock::now() - started;
  observer_.requestServed(outcome);
  return response;
}

WebhookResponse IngestHandler::serve(const WebhookRequest& request, RequestOutcome& outcome) {
  if (request.path != config_.path) return answer(404, "not found: the audit webhook is at " + config_.path);
  const ClientDirectory::Verdict caller = clients_.identify(request.authorization, request.clientCertificateCn);
  if (caller.outcome == ClientDirectory::Outcome::kUnauthenticated) return answer(401, caller.reason);
  if (caller.outcome == ClientDirectory::Outcome::kForbidden) return answer(403, caller.reason);
  outcome.cluster = caller.cluster;
  if (request.method != "POST") return answer(405, "the audit webhook takes POST");

  Decoded decoded;
  DecodeOutcome result;
  {
    std::unique_ptr<EnvelopeDecoder> decoder = takeDecoder();
    if (!decoder) return answer(500, "no decoder");
    const std::size_t keyField = static_cast<std::size_t>(
        config_.key == IngestConfig::Key::kUser ? FastField::kUserUsername : FastField::kAuditId);
    result = decoder->decode(request.body, std::nullopt, [&](const AuditEvent& event) {
      const std::string_view raw = event.raw();
      if (raw.size() > config_.maxEventBytes) {
        ++decoded.tooLarge;
        decoded.rejections.push_back(
            {RejectReason::kTooLarge, "an event of " + std::to_string(raw.size()) +
                                          " bytes (max_event_bytes: " + std::to_string(config_.maxEventBytes) + ")"});
        return;
      }
      const std::string_view key =
          config_.key == IngestConfig::Key::kNone ? std::string_view() : event.fields[keyField];
      Decoded::Span span{decoded.arena.size(), raw.size(), 0, key.size()};
      decoded.arena.append(raw);
      span.keyAt = decoded.arena.size();
      decoded.arena.append(key);
      decoded.spans.push_back(span);
    });
    returnDecoder(std::move(decoder));
  }
  for (Rejection& rejection : result.rejections) decoded.rejections.push_back(std::move(rejection));
  const std::size_t rejected = decoded.rejections.size();
  outcome.rejected = rejected;
  if (decoded.spans.size() + rejected > config_.maxEvents) {
    return answer(413, "the request holds " + std::to_string(decoded.spans.size() + rejected) +
                           " events; max_events is " + std::to_string(config_.maxEvents));
  }
  // The events first: a batch Kafka cannot take gets 503 and comes again, its rejections with it.
  const std::vector<OutgoingEvent> events = decoded.events();
  if (!events.empty()) {
    const Status status = publisher_.publish(config_.topicOf(caller.cluster), caller.cluster, events);
    if (!status.isOk()) return answer(503, "Kafka has not taken the batch: " + status.message());
  }
  outcome.events = events.size();
  if (rejected > 0) {
    for (const Rejection& rejection : decoded.rejections) observer_.eventRejected(caller.cluster, rejection.reason);
    logRejected(caller.cluster, decoded.rejections.front(), rejected);
    deadLetter(caller.cluster, request.body, decoded.rejections.front(), rejected);
  }
  if (decoded.spans.empty() && decoded.tooLarge == 0 && rejected > 0) {
    // Nothing in it was an audit event: not a batch that a retry could deliver.
    return answer(400, "not an audit.k8s.io EventList or Event: " + decoded.rejections.front().message);
  }
  return answer(200, rejected == 0 ? "ok" : "written; some events were not audit events (see rejected)", events.size(),
                rejected);
}

// The body to the dead-letter topic, once. Its good events are written already: a dead letter Kafka
// refuses (a body past the topic's max.message.bytes, an outage that began since) is counted and logged
// and does not fail the batch — failing it would have the apiserver send the good events again, and
// drop the whole batch after its last try.
void IngestHandler::deadLetter(std::string_view cluster, std::string_view body, const Rejection& first,
                               std::size_t rejected) {
  if (config_.deadLetterTopic.empty()) return;
  const Status status = publisher_.deadLetter(cluster, body, rejectReasonName(first.reason), rejected);
  if (status.isOk()) return;
  observer_.deadLetterFailed(cluster);
  log_.warn("a dead letter was not written (counted in auditstream_ingest_dead_letter_failures_total)",
            {{"cluster", cluster}, {"body_bytes", body.size()}, {"reason", status.message()}});
}

std::unique_ptr<EnvelopeDecoder> IngestHandler::takeDecoder() {
  {
    std::lock_guard lock(mutex_);
    if (!decoders_.empty()) {
      std::unique_ptr<EnvelopeDecoder> decoder = std::move(decoders_.back());
      decoders_.pop_back();
      return decoder;
    }
  }
  // The apiserver posts plain EventLists: no envelope string paths; the body's bound is the server's.
  EnvelopeOptions options;
  options.stringPaths.clear();
  options.maxMessageBytes = config_.maxBodyBytes;
  Result<EnvelopeDecoder> decoder = EnvelopeDecoder::create(options);
  if (!decoder) return nullptr;
  return std::make_unique<EnvelopeDecoder>(std::move(*decoder));
}

void IngestHandler::returnDecoder(std::unique_ptr<EnvelopeDecoder> decoder) {
  std::lock_guard lock(mutex_);
  decoders_.push_back(std::move(decoder));
}

void IngestHandler::logRejected(std::string_view cluster, const Rejection& rejection, std::size_t count) {
  std::size_t leftOut = 0;
  {
    std::lock_guard lock(mutex_);
    const auto now = SteadyClock::now();
    if (now - lastRejectLog_ < kRejectLogEvery) {
      ++rejectsNotLogged_;
      return;
    }
    lastRejectLog_ = now;
    leftOut = std::exchange(rejectsNotLogged_, 0);
  }
  log_.warn(
      "a request held events that are not audit events: they are not written (counted in "
      "auditstream_ingest_rejected_events_total; the body goes to the dead-letter topic when one is set)",
      {{"cluster", cluster},
       {"rejected", static_cast<std::int64_t>(count)},
       {"reason", rejectReasonName(rejection.reason)},
       {"detail", rejection.message},
       {"requests_not_logged", static_cast<std::int64_t>(leftOut)}});
}

}  // namespace auditstream
