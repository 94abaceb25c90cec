// IngestMetrics: the Prometheus metrics of `auditstream ingest` (docs/ingest.md lists them), fed by the
// handler (IngestObserver) from the server's threads, and their text for /metrics.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ingest/ingest_observer.h"

namespace auditstream {

class IngestMetrics final : public IngestObserver {
 public:
  // `clusters`: every configured client's cluster (their series exist from the start).
  explicit IngestMetrics(const std::vector<std::string>& clusters);
  ~IngestMetrics() override;
  IngestMetrics(const IngestMetrics&) = delete;
  IngestMetrics& operator=(const IngestMetrics&) = delete;

  void requestServed(const RequestOutcome& outcome) override;
  void eventRejected(std::string_view cluster, RejectReason reason) override;
  void deadLetterFailed(std::string_view cluster) override;
  void setReady(bool ready);

  std::string text() const;  // the exposition format

  struct Handles;

 private:
  std::unique_ptr<Handles> handles_;
};

}  // namespace auditstream
