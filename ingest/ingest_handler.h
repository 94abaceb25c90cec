// IngestHandler: one webhook request → its answer (docs/ingest.md, "Answers"). In order: the caller is
// identified (401/403), the path and method checked (404/405), the body decoded as an audit EventList or
// Event with the engine's own decoder (400 when nothing in it is an audit event; 413 past max_events),
// every event written to its cluster's topic and acknowledged (503 when Kafka cannot take it, so the
// apiserver retries the batch), then 200. Events of a batch that are not audit events are counted by
// reason, logged (rate-limited) and, with a dead-letter topic, the request body goes there once after
// the batch's other events are written — a malformed event never costs the others.
//
// Thread-safe: the server's threads call handle() at once (decoders come from a pool).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "common/log.h"
#include "config/ingest_config.h"
#include "engine/envelope_decoder.h"
#include "ingest/client_directory.h"
#include "ingest/event_publisher.h"
#include "ingest/ingest_observer.h"
#include "ingest/webhook_request.h"

namespace auditstream {

class IngestHandler {
 public:
  IngestHandler(const IngestConfig& config, ClientDirectory clients, EventPublisher& publisher,
                IngestObserver& observer, Logger log);
  ~IngestHandler();
  IngestHandler(const IngestHandler&) = delete;
  IngestHandler& operator=(const IngestHandler&) = delete;

  WebhookResponse handle(const WebhookRequest& request);

 private:
  struct Decoded;
  WebhookResponse serve(const WebhookRequest& request, RequestOutcome& outcome);
  std::unique_ptr<EnvelopeDecoder> takeDecoder();
  void returnDecoder(std::unique_ptr<EnvelopeDecoder> decoder);
  void logRejected(std::string_view cluster, const Rejection& rejection, std::size_t count);
  void deadLetter(std::string_view cluster, std::string_view body, const Rejection& first, std::size_t rejected);

  const IngestConfig& config_;
  ClientDirectory clients_;
  EventPublisher& publisher_;
  IngestObserver& observer_;
  Logger log_;
  std::mutex mutex_;  // guards decoders_ and the log's rate limit
  std::vector<std::unique_ptr<EnvelopeDecoder>> decoders_;
  std::chrono::steady_clock::time_point lastRejectLog_{};
  std::size_t rejectsNotLogged_ = 0;
};

}  // namespace auditstream
