#include "ingest/ingest_metrics.h"

#include <map>
#include <mutex>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace auditstream {
namespace {

using CounterFamily = prometheus::Family<prometheus::Counter>;

// POST to answer: a batch waits for Kafka's acknowledgements (acks=all), so milliseconds to seconds.
const prometheus::Histogram::BucketBoundaries kSecondsBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                                 0.25,  0.5,    1,     2.5,  5,     10,   30};

}  // namespace

struct IngestMetrics::Handles {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  CounterFamily* requests = nullptr;
  CounterFamily* events = nullptr;
  CounterFamily* rejected = nullptr;
  CounterFamily* bytes = nullptr;
  CounterFamily* deadLetterFailures = nullptr;
  prometheus::Family<prometheus::Histogram>* seconds = nullptr;
  prometheus::Gauge* ready = nullptr;
};

IngestMetrics::IngestMetrics(const std::vector<std::string>& clusters) : handles_(std::make_unique<Handles>()) {
  prometheus::Registry& r = *handles_->registry;
  const auto counters = [&](const std::string& name, const std::string& help) {
    return &prometheus::BuildCounter().Name(name).Help(help).Register(r);
  };
  Handles& h = *handles_;
  h.requests = counters("auditstream_ingest_requests_total", "Webhook requests answered, by cluster and HTTP code");
  h.events = counters("auditstream_ingest_events_total", "Audit events written to Kafka and acknowledged, by cluster");
  h.rejected = counters("auditstream_ingest_rejected_events_total",
                        "Events in webhook requests that were not audit events, by cluster and reason");
  h.bytes = counters("auditstream_ingest_bytes_total", "Request body bytes received, by cluster");
  h.deadLetterFailures = counters("auditstream_ingest_dead_letter_failures_total",
                                  "Request bodies with rejected events that the dead-letter topic did not take");
  h.seconds = &prometheus::BuildHistogram()
                   .Name("auditstream_ingest_request_seconds")
                   .Help(
                       "From a request's body read to its answer (a 200 waits for every event's "
                       "acknowledgement), by HTTP code")
                   .Register(r);
  h.ready = &prometheus::BuildGauge().Name("auditstream_ready").Help("1 when /readyz answers 200").Register(r).Add({});
  for (const std::string& cluster : clusters) {
    h.requests->Add({{"cluster", cluster}, {"code", "200"}});
    h.events->Add({{"cluster", cluster}});
    h.bytes->Add({{"cluster", cluster}});
  }
}

IngestMetrics::~IngestMetrics() = default;

void IngestMetrics::requestServed(const RequestOutcome& outcome) {
  Handles& h = *handles_;
  const std::string cluster = outcome.cluster.empty() ? std::string("unknown") : std::string(outcome.cluster);
  const std::string code = std::to_string(outcome.status);
  h.requests->Add({{"cluster", cluster}, {"code", code}}).Increment();
  h.bytes->Add({{"cluster", cluster}}).Increment(static_cast<double>(outcome.bytes));
  if (outcome.events > 0) h.events->Add({{"cluster", cluster}}).Increment(static_cast<double>(outcome.events));
  h.seconds->Add({{"code", code}}, kSecondsBuckets).Observe(std::chrono::duration<double>(outcome.took).count());
}

void IngestMetrics::eventRejected(std::string_view cluster, RejectReason reason) {
  handles_->rejected->Add({{"cluster", std::string(cluster)}, {"reason", std::string(rejectReasonName(reason))}})
      .Increment();
}

void IngestMetrics::deadLetterFailed(std::string_view cluster) {
  handles_->deadLetterFailures->Add({{"cluster", std::string(cluster)}}).Increment();
}

void IngestMetrics::setReady(bool ready) { handles_->ready->Set(ready ? 1 : 0); }

std::string IngestMetrics::text() const {
  return prometheus::TextSerializer().Serialize(handles_->registry->Collect());
}

}  // namespace auditstream
