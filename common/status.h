// Status: the outcome of an operation that can fail, as a value (STYLE.md #5).
//
// A Status is a code plus a human-readable message. Context is added as it crosses module boundaries:
//   RETURN_IF_ERROR(loadRules(dir).withContext("reloading rules"));
// turns "rules/x.yml:3:5: unknown modifier 'foo'" into
// "reloading rules: rules/x.yml:3:5: unknown modifier 'foo'". Cheap when ok (no allocation).
// Thread-safety: a value type; distinct objects may be used from any thread.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace auditstream {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // caller passed something malformed (bad config value, bad rule)
  kNotFound,            // a named thing (file, topic, rule id) does not exist
  kParseError,          // input could not be parsed (JSON, YAML, timestamps)
  kIoError,             // the OS said no (open, read, write, bind)
  kUnavailable,         // a remote peer is not reachable now; retrying may help
  kDeadlineExceeded,    // gave up waiting
  kFailedPrecondition,  // the system is not in a state where this can be done
  kInternal,            // a bug or an unexpected library answer
};

std::string_view statusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message);

  static Status ok() { return {}; }

  bool isOk() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with "context: ". Returns ok unchanged.
  Status withContext(std::string_view context) const&;
  Status withContext(std::string_view context) &&;

  // "kInvalidArgument: message", or "ok".
  std::string toString() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

std::ostream& operator<<(std::ostream& out, const Status& status);

// Shorthands for the common codes.
Status invalidArgument(std::string message);
Status notFound(std::string message);
Status parseError(std::string message);
Status ioError(std::string message);
Status unavailable(std::string message);
Status deadlineExceeded(std::string message);
Status failedPrecondition(std::string message);
Status internalError(std::string message);

// An ioError whose message ends with strerror(errnum).
Status errnoError(std::string what, int errnum);

}  // namespace auditstream

// Returns the Status of `expr` from the enclosing function when it is not ok.
#define RETURN_IF_ERROR(expr)                                    \
  do {                                                           \
    ::auditstream::Status auditstream_status_ = (expr);          \
    if (!auditstream_status_.isOk()) return auditstream_status_; \
  } while (false)
