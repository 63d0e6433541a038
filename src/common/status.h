// Status and Result<T>: how errors cross module boundaries in churnml.
//
// A function that can fail returns Status (no value) or Result<T> (a value or
// an error). Both are [[nodiscard]]. Messages name the thing that is wrong
// (file, row, column, flag) so the edge can print them as one line.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace churnml {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kUnavailable,
  kDeadlineExceeded,
  kInternal,
  kIOError,
};

// Returns "InvalidArgument", "NotFound", ...
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "InvalidArgument: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: message" (for adding the file
  // name or row at a boundary that knows it).
  Status WithContext(std::string_view context) const;

  // Marks the status as deliberately ignored.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status FailedPreconditionError(std::string message);
Status UnavailableError(std::string message);
Status DeadlineExceededError(std::string message);
Status InternalError(std::string message);
Status IOError(std::string message);

// A value of type T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(data_).ok()) {
      data_ = Status(StatusCode::kInternal, "Result constructed from an OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  // OK when the result holds a value. A reference, so
  // `const std::string& m = r.status().message();` does not dangle.
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }

  // Precondition: ok().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

namespace internal {
inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace churnml

#define CHURNML_CONCAT_INNER(a, b) a##b
#define CHURNML_CONCAT(a, b) CHURNML_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (a Status or Result) failed.
#define CHURNML_RETURN_IF_ERROR(expr)                                        \
  do {                                                                       \
    ::churnml::Status churnml_status_ = ::churnml::internal::ToStatus(expr); \
    if (!churnml_status_.ok()) return churnml_status_;                       \
  } while (false)

// `lhs = value of rexpr`, or returns its error (`lhs` may declare: no parens).
#define CHURNML_ASSIGN_OR_RETURN(lhs, rexpr) \
  CHURNML_ASSIGN_OR_RETURN_IMPL(CHURNML_CONCAT(churnml_result_, __LINE__), lhs, rexpr)
#define CHURNML_ASSIGN_OR_RETURN_IMPL(result, lhs, rexpr)                            \
  auto result = (rexpr);                    /* NOLINT(bugprone-macro-parentheses) */ \
  if (!result.ok()) return result.status(); /* NOLINT(bugprone-macro-parentheses) */ \
  lhs = std::move(result).value()           /* NOLINT(bugprone-macro-parentheses) */
