// The error a request decoder returns, carrying the HTTP status it maps to
// and, for invalid customers, one entry per offending field.
//
//   400 kInvalidJson      {"error":"invalid JSON: <why> at byte N"}
//   422 kInvalidRequest   {"error":"..."}                 (valid JSON, wrong shape)
//   422 kInvalidCustomer  {"error":"invalid customer","fields":[{"field","message"}...]
//                          [,"more_fields":N]}
//   413 kBatchTooLarge    {"error":"batch of N customers exceeds the limit of M"}
//   400 kInvalidInference {"error":"..."}                 (Open Inference Protocol)
//
// docs/api.md is the contract for these bodies.
//
// Error bodies are bounded whatever the request holds, so a small hostile
// body cannot make a large answer: one customer lists at most
// kMaxFieldErrors field errors (the rest are counted in "more_fields"), a
// batch response lists at most kMaxBatchFieldErrors in all, and a message
// quotes at most kMaxQuotedBytes of any client text (field names, values).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace churnml::serving {

inline constexpr size_t kMaxFieldErrors = 20;
inline constexpr size_t kMaxBatchFieldErrors = 200;
inline constexpr size_t kMaxQuotedBytes = 128;

// Client text quoted in a message is cut with Abbreviate (common/strings.h)
// to kMaxQuotedBytes.

enum class ApiErrorKind {
  kInvalidJson,
  kInvalidRequest,
  kInvalidCustomer,
  kBatchTooLarge,
  kInvalidInference,
};

// One offending field of a customer: the JSON key (or OIP input name) and
// what is wrong with it. Never holds secrets; may quote the offending value.
struct FieldError {
  std::string field;
  std::string message;

  bool operator==(const FieldError&) const = default;
};

struct ApiError {
  ApiErrorKind kind = ApiErrorKind::kInvalidRequest;
  std::string message;             // the "error" member
  std::vector<FieldError> fields;  // kInvalidCustomer only; at most kMaxFieldErrors
  size_t more_fields = 0;          // further field errors not listed ("more_fields")

  // 400, 413 or 422 (table above).
  int http_status() const;
  // The JSON response body (table above).
  std::string ToJson() const;
};

// A value of type T or an ApiError. Like Result<T>, but the error carries
// the HTTP mapping and field list instead of a Status.
template <typename T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : data_(std::move(value)) {}         // NOLINT: implicit by design
  ApiResult(ApiError error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  // Precondition: !ok().
  const ApiError& error() const { return std::get<ApiError>(data_); }
  // Precondition: ok().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, ApiError> data_;
};

// Appends "fields":[...] with the first `limit` entries of `fields`, and
// ,"more_fields":N when `more` plus the entries left out is not zero
// (shared by the single and the batch encoders). Returns how many entries
// were listed.
size_t AppendFieldErrors(const std::vector<FieldError>& fields, size_t more, size_t limit,
                         std::string* out);

}  // namespace churnml::serving
