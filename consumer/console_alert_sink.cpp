#include "consumer/console_alert_sink.h"

#include "consumer/alert_line.h"

namespace auditstream {

void ConsoleAlertSink::submit(std::shared_ptr<const Alert> alert, AckCallback ack) {
  const std::string& level = alert->rule->level;
  if (level != "low" && level != "informational") {
    const std::string line = formatAlertLine(*alert, colour_) + "\n";
    std::fputs(line.c_str(), stream_);
    std::fflush(stream_);
  }
  ack(Delivery{});
}

}  // namespace auditstream
