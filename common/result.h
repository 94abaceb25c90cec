// Result<T>: a T or the Status saying why there is none (STYLE.md #5). std::expected is C++23 and
// clang 14's libstdc++ mode lacks it; this is the small subset we need.
//
//   Result<Config> parseConfig(const std::string& path);
//   ASSIGN_OR_RETURN(Config config, parseConfig(path));
//
// Accessing value() of an error Result is a programming error and aborts with the status printed.
// Thread-safety: a value type.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/status.h"

namespace auditstream {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Status>, "use Status directly");

 public:
  // Implicit on purpose: `return value;` and `return invalidArgument(...);` both read naturally.
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<1>(state_).isOk()) {
      std::get<1>(state_) = internalError("Result constructed from an ok Status without a value");
    }
  }

  bool isOk() const { return state_.index() == 0; }
  explicit operator bool() const { return isOk(); }

  // The error; ok() when there is a value.
  Status status() const { return isOk() ? Status::ok() : std::get<1>(state_); }

  T& value() & { return checkedValue(), std::get<0>(state_); }
  const T& value() const& { return checkedValue(), std::get<0>(state_); }
  T&& value() && { return checkedValue(), std::move(std::get<0>(state_)); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  template <typename U>
  T valueOr(U&& fallback) const& {
    return isOk() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
  }

  // Adds context to the error; a value passes through.
  Result withContext(std::string_view context) && {
    if (!isOk()) std::get<1>(state_) = std::move(std::get<1>(state_)).withContext(context);
    return std::move(*this);
  }

 private:
  void checkedValue() const {
    if (!isOk()) {
      std::fprintf(stderr, "Result::value() on error: %s\n", std::get<1>(state_).toString().c_str());
      std::abort();
    }
  }

  std::variant<T, Status> state_;
};

}  // namespace auditstream

#define AUDITSTREAM_CONCAT_INNER(a, b) a##b
#define AUDITSTREAM_CONCAT(a, b) AUDITSTREAM_CONCAT_INNER(a, b)

// Evaluates `expr` (a Result<T>); on error returns its Status, otherwise moves the value into `lhs`,
// which may be a declaration: ASSIGN_OR_RETURN(auto parsed, parse(text));
#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(AUDITSTREAM_CONCAT(auditstream_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.isOk()) return tmp.status();       \
  lhs = std::move(tmp).value()
