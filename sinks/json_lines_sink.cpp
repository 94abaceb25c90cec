#include "sinks/json_lines_sink.h"

#include <cerrno>

namespace auditstream {

JsonLinesSink::JsonLinesSink(std::FILE* stream, bool owned, bool durable, std::string name)
    : stream_(stream), owned_(owned), durable_(durable), name_(std::move(name)) {}

JsonLinesSink::~JsonLinesSink() {
  if (owned_) std::fclose(stream_);
}

std::unique_ptr<JsonLinesSink> JsonLinesSink::stdoutSink() {
  return std::unique_ptr<JsonLinesSink>(new JsonLinesSink(stdout, false, false, "stdout"));
}

Result<std::unique_ptr<JsonLinesSink>> JsonLinesSink::file(const std::string& path) {
  std::FILE* stream = std::fopen(path.c_str(), "ae");
  if (stream == nullptr) return errnoError("cannot open " + path + " for appending alerts", errno);
  return std::unique_ptr<JsonLinesSink>(new JsonLinesSink(stream, true, true, "file"));
}

void JsonLinesSink::submit(std::shared_ptr<const Alert> alert, AckCallback ack) {
  const std::string line = alertToJson(*alert) + "\n";
  bool ok = false;
  {
    std::lock_guard lock(mutex_);
    ok = std::fwrite(line.data(), 1, line.size(), stream_) == line.size() && std::fflush(stream_) == 0;
  }
  ack(ok ? Delivery{} : Delivery{DeliveryOutcome::kFailed, "write to " + name_ + " failed"});
}

bool JsonLinesSink::flush(std::chrono::milliseconds /*timeout*/) {
  std::lock_guard lock(mutex_);
  return std::fflush(stream_) == 0;
}

}  // namespace auditstream
