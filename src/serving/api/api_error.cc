#include "serving/api/api_error.h"

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

void AppendFieldErrors(const std::vector<FieldError>& fields, std::string* out) {
  out->append("\"fields\":[");
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append("{\"field\":");
    AppendJsonString(fields[i].field, out);
    out->append(",\"message\":");
    AppendJsonString(fields[i].message, out);
    out->push_back('}');
  }
  out->push_back(']');
}

std::string ApiError::ToJson() const {
  std::string out = "{\"error\":";
  AppendJsonString(message, &out);
  if (kind == ApiErrorKind::kInvalidCustomer) {
    out.push_back(',');
    AppendFieldErrors(fields, &out);
  }
  out.push_back('}');
  return out;
}

}  // namespace churnml::serving
