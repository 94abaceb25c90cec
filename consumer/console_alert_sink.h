// ConsoleAlertSink: the demo's alert output — medium-and-above alerts as readable lines on stdout
// (formatAlertLine, colour on a terminal); lower levels only show in the service's progress counts.
// Best-effort and synchronous: the ack runs inside submit(), on the routing thread.
#pragma once

#include <cstdio>

#include "sinks/alert_sink.h"

namespace auditstream {

class ConsoleAlertSink final : public AlertSink {
 public:
  ConsoleAlertSink(std::FILE* stream, bool colour) : stream_(stream), colour_(colour) {}

  std::string_view name() const override { return "console"; }
  bool durable() const override { return false; }
  void submit(std::shared_ptr<const Alert> alert, AckCallback ack) override;
  bool flush(std::chrono::milliseconds /*timeout*/) override { return std::fflush(stream_) == 0; }

 private:
  std::FILE* stream_;
  bool colour_;
};

}  // namespace auditstream
