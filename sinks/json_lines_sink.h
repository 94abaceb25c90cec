// JsonLinesSink: alerts as JSON lines on a stream — stdout for `replay` and the demo, or a file
// (appended; flushed after every alert, so "delivered" means handed to the OS). Synchronous: the ack
// runs inside submit(). stdout is best-effort, a file durable.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "sinks/alert_sink.h"

namespace auditstream {

class JsonLinesSink final : public AlertSink {
 public:
  static std::unique_ptr<JsonLinesSink> stdoutSink();
  // Errors: ioError when the file cannot be opened for appending.
  static Result<std::unique_ptr<JsonLinesSink>> file(const std::string& path);
  ~JsonLinesSink() override;

  std::string_view name() const override { return name_; }
  bool durable() const override { return durable_; }
  void submit(std::shared_ptr<const Alert> alert, AckCallback ack) override;
  bool flush(std::chrono::milliseconds timeout) override;

 private:
  JsonLinesSink(std::FILE* stream, bool owned, bool durable, std::string name);

  std::mutex mutex_;
  std::FILE* stream_;
  bool owned_;
  bool durable_;
  std::string name_;
};

}  // namespace auditstream
