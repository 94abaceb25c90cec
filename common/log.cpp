#include "common/log.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/json_writer.h"

namespace auditstream {
namespace {

// A key=value value needs quotes when it is empty or holds a space, quote, '=' or a control character.
bool needsQuotes(std::string_view text) {
  if (text.empty()) return true;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || c == '"' || c == '=' || c == '\\' || byte == 0x7F) return true;
  }
  return false;
}

void appendKeyValueText(std::string& out, std::string_view text) {
  if (needsQuotes(text)) {
    appendJsonString(out, text);  // JSON quoting is a fine, unambiguous logfmt quoting
  } else {
    out.append(text);
  }
}

void appendNumber(std::string& out, const LogField::Value& value) {
  char buffer[32];
  int written = 0;
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    written = std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(*i));
  } else if (const auto* u = std::get_if<std::uint64_t>(&value)) {
    written = std::snprintf(buffer, sizeof buffer, "%llu", static_cast<unsigned long long>(*u));
  } else if (const auto* d = std::get_if<double>(&value)) {
    written = std::snprintf(buffer, sizeof buffer, "%.6g", *d);
  }
  if (written > 0) out.append(buffer, static_cast<std::size_t>(written));
}

void appendValue(std::string& out, const LogField::Value& value, LogFormat format) {
  if (const auto* text = std::get_if<std::string_view>(&value)) {
    if (format == LogFormat::kJson) {
      appendJsonString(out, *text);
    } else {
      appendKeyValueText(out, *text);
    }
  } else if (const auto* flag = std::get_if<bool>(&value)) {
    out.append(*flag ? "true" : "false");
  } else if (const auto* d = std::get_if<double>(&value); d != nullptr && format == LogFormat::kJson && *d != *d) {
    out.append("null");  // NaN is not JSON
  } else {
    appendNumber(out, value);
  }
}

void appendField(std::string& out, std::string_view key, const LogField::Value& value, LogFormat format) {
  if (format == LogFormat::kJson) {
    out.push_back(',');
    appendJsonString(out, key);
    out.push_back(':');
  } else {
    out.push_back(' ');
    out.append(key).push_back('=');
  }
  appendValue(out, value, format);
}

}  // namespace

std::string_view logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "unknown";
}

Result<LogLevel> parseLogLevel(std::string_view name) {
  for (const LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == logLevelName(level)) return level;
  }
  return invalidArgument("log level '" + std::string(name) + "' must be one of debug, info, warn, error");
}

Result<LogFormat> parseLogFormat(std::string_view name) {
  if (name == "kv") return LogFormat::kKeyValue;
  if (name == "json") return LogFormat::kJson;
  return invalidArgument("log format '" + std::string(name) + "' must be one of kv, json");
}

void StderrLogSink::write(std::string_view line) {
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failure to log
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
}

Logger::Logger(const Clock& clock, LogSink& sink, LogLevel minimum, LogFormat format, std::string component)
    : clock_(&clock), sink_(&sink), minimum_(minimum), format_(format), component_(std::move(component)) {}

Logger Logger::toStderr(LogFormat format, LogLevel minimum, std::string component) {
  static const SystemClock clock;
  static StderrLogSink sink;  // no state: write() is one write(2)
  return Logger(clock, sink, minimum, format, std::move(component));
}

Logger Logger::child(std::string_view name) const {
  std::string component = component_.empty() ? std::string(name) : component_ + "." + std::string(name);
  return Logger(*clock_, *sink_, minimum_, format_, std::move(component));
}

std::string Logger::format(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) const {
  std::string line;
  line.reserve(128);
  if (format_ == LogFormat::kJson) {
    line.append("{\"ts\":\"");
    appendRfc3339Millis(line, clock_->wallNow());
    line.append("\",\"level\":");
    appendJsonString(line, logLevelName(level));
  } else {
    line.append("ts=");
    appendRfc3339Millis(line, clock_->wallNow());
    line.append(" level=").append(logLevelName(level));
  }
  if (!component_.empty()) appendField(line, "component", std::string_view(component_), format_);
  appendField(line, "msg", message, format_);
  for (const LogField& field : fields) appendField(line, field.key, field.value, format_);
  if (format_ == LogFormat::kJson) line.push_back('}');
  line.push_back('\n');
  return line;
}

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) const {
  if (!enabled(level)) return;
  sink_->write(format(level, message, fields));
}

}  // namespace auditstream
