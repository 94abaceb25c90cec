// Structured logging: one line per record on stderr, as `key=value` pairs or as a JSON object.
//
//   logger.info("partition assigned", {{"topic", topic}, {"partition", 3}});
//   → ts=2026-01-01T00:00:00.000Z level=info component=consumer msg="partition assigned" topic=audit.prod partition=3
//   → {"ts":"2026-01-01T00:00:00.000Z","level":"info","component":"consumer","msg":"partition assigned",...}
//
// A Logger is a small value owned by each component (no global logger, STYLE.md #4); `child()` gives a
// component its own name. Logging is not for the per-event hot path: count there, log summaries.
// Thread-safety: log() may be called from any thread; each record reaches the LogSink in one write().
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "common/clock.h"
#include "common/result.h"

namespace auditstream {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kKeyValue, kJson };

std::string_view logLevelName(LogLevel level);
Result<LogLevel> parseLogLevel(std::string_view name);    // debug|info|warn|error
Result<LogFormat> parseLogFormat(std::string_view name);  // kv|json

// One key=value pair of a record. Keys are identifiers chosen in code; values are copied on write.
struct LogField {
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;

  LogField(std::string_view name, std::string_view text) : key(name), value(text) {}
  LogField(std::string_view name, const char* text) : key(name), value(std::string_view(text)) {}
  LogField(std::string_view name, const std::string& text) : key(name), value(std::string_view(text)) {}
  LogField(std::string_view name, bool flag) : key(name), value(flag) {}
  LogField(std::string_view name, double number) : key(name), value(number) {}
  template <typename Integer>
  requires std::is_integral_v<Integer> LogField(std::string_view name, Integer number)
      : key(name),
        value(std::is_signed_v<Integer> ? Value(static_cast<std::int64_t>(number))
                                        : Value(static_cast<std::uint64_t>(number))) {}

  std::string_view key;
  Value value;
};

// Where finished lines go. Implementations must accept concurrent calls.
class LogSink {
 public:
  LogSink() = default;
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;
  virtual ~LogSink() = default;

  // `line` ends with '\n'.
  virtual void write(std::string_view line) = 0;
};

// Writes each line to file descriptor 2 with a single write(2) (lines do not interleave).
class StderrLogSink final : public LogSink {
 public:
  void write(std::string_view line) override;
};

class Logger {
 public:
  // `clock` and `sink` must outlive the logger and its children.
  Logger(const Clock& clock, LogSink& sink, LogLevel minimum, LogFormat format, std::string component = "");
  // To stderr on the system clock (both stateless, shared by every such logger), in `format` from `minimum`.
  static Logger toStderr(LogFormat format = LogFormat::kKeyValue, LogLevel minimum = LogLevel::kInfo,
                         std::string component = "");
  // toStderr() with its defaults: what a component logs with when its owner gives it no logger (tests, tools).
  Logger() : Logger(toStderr()) {}

  // A logger for a sub-component: same sink, level and format; component "parent.name" (or "name").
  Logger child(std::string_view name) const;

  bool enabled(LogLevel level) const { return level >= minimum_; }
  void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {}) const;

  void debug(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::kDebug, message, fields);
  }
  void info(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::kInfo, message, fields);
  }
  void warn(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::kWarn, message, fields);
  }
  void error(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::kError, message, fields);
  }

  // The line log() would write, without writing it (exposed for tests).
  std::string format(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) const;

 private:
  const Clock* clock_;
  LogSink* sink_;
  LogLevel minimum_;
  LogFormat format_;
  std::string component_;
};

}  // namespace auditstream
