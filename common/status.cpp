#include "common/status.h"

#include <cstring>
#include <utility>

namespace auditstream {

std::string_view statusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kParseError: return "parse_error";
    case StatusCode::kIoError: return "io_error";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kDeadlineExceeded: return "deadline_exceeded";
    case StatusCode::kFailedPrecondition: return "failed_precondition";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

Status::Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

Status Status::withContext(std::string_view context) const& {
  Status copy = *this;
  return std::move(copy).withContext(context);
}

Status Status::withContext(std::string_view context) && {
  if (isOk()) return std::move(*this);
  std::string prefixed;
  prefixed.reserve(context.size() + 2 + message_.size());
  prefixed.append(context).append(": ").append(message_);
  message_ = std::move(prefixed);
  return std::move(*this);
}

std::string Status::toString() const {
  if (isOk()) return "ok";
  std::string out(statusCodeName(code_));
  out.append(": ").append(message_);
  return out;
}

std::ostream& operator<<(std::ostream& out, const Status& status) { return out << status.toString(); }

Status invalidArgument(std::string message) { return {StatusCode::kInvalidArgument, std::move(message)}; }
Status notFound(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
Status parseError(std::string message) { return {StatusCode::kParseError, std::move(message)}; }
Status ioError(std::string message) { return {StatusCode::kIoError, std::move(message)}; }
Status unavailable(std::string message) { return {StatusCode::kUnavailable, std::move(message)}; }
Status deadlineExceeded(std::string message) { return {StatusCode::kDeadlineExceeded, std::move(message)}; }
Status failedPrecondition(std::string message) { return {StatusCode::kFailedPrecondition, std::move(message)}; }
Status internalError(std::string message) { return {StatusCode::kInternal, std::move(message)}; }

Status errnoError(std::string what, int errnum) {
  char buffer[256];
  // GNU strerror_r returns the message pointer (which may or may not be `buffer`).
  const char* text = strerror_r(errnum, buffer, sizeof buffer);
  what.append(": ").append(text);
  return ioError(std::move(what));
}

}  // namespace auditstream
