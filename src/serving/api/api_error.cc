#include "serving/api/api_error.h"

#include <algorithm>

#include "serving/api/json_writer.h"

namespace churnml::serving {

int ApiError::http_status() const {
  switch (kind) {
    case ApiErrorKind::kInvalidJson:
    case ApiErrorKind::kInvalidInference:
      return 400;
    case ApiErrorKind::kBatchTooLarge:
      return 413;
    case ApiErrorKind::kInvalidRequest:
    case ApiErrorKind::kInvalidCustomer:
      return 422;
  }
  return 400;
}

size_t AppendFieldErrors(const std::vector<FieldError>& fields, size_t more, size_t limit,
                         std::string* out) {
  const size_t listed = std::min(fields.size(), limit);
  out->append("\"fields\":[");
  for (size_t i = 0; i < listed; ++i) {
    if (i > 0) out->push_back(',');
    out->append("{\"field\":");
    AppendJsonString(fields[i].field, out);
    out->append(",\"message\":");
    AppendJsonString(fields[i].message, out);
    out->push_back('}');
  }
  out->push_back(']');
  const size_t omitted = more + (fields.size() - listed);
  if (omitted > 0) {
    out->append(",\"more_fields\":");
    out->append(std::to_string(omitted));
  }
  return listed;
}

std::string ApiError::ToJson() const {
  std::string out = "{\"error\":";
  AppendJsonString(message, &out);
  if (kind == ApiErrorKind::kInvalidCustomer) {
    out.push_back(',');
    AppendFieldErrors(fields, more_fields, kMaxFieldErrors, &out);
  }
  out.push_back('}');
  return out;
}

}  // namespace churnml::serving
