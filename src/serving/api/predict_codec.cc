#include "serving/api/predict_codec.h"

#include <optional>
#include <string>
#include <vector>

#include "common/strings.h"
#include "serving/api/json_parse.h"
#include "serving/api/json_writer.h"

namespace churnml::serving {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// The calling thread's typed row, reused across customers.
TypedRow& Row() {
  thread_local TypedRow row;
  return row;
}

// Decodes one customer object into `record` and, when it has no problem,
// into a new row of `rows` (id: the customerID, "" when absent).
// Every problem goes to record->errors (the first kMaxFieldErrors; the
// rest are counted). The list of expected names is quoted once per request
// (`expected_listed`), not once per unknown field.
void DecodeCustomer(const ColumnDecoder& decoder, const ColumnLookup& lookup,
                    const simdjson::dom::object& object, size_t index, CustomerRecord* record,
                    bool* expected_listed, Dataset* rows) {
  const Schema& schema = decoder.schema();
  const size_t n = schema.num_columns();
  TypedRow& row = Row();
  row.Reset(n);
  // 0 = absent, 1 = null, 2 = value.
  thread_local std::vector<uint8_t> seen;
  seen.assign(n, 0);
  std::string_view id;
  size_t hint = 0;
  for (const auto field : object) {
    const std::string_view key = field.key;
    const std::optional<size_t> c = lookup.Find(key, hint);
    if (!c) {
      if (record->errors.size() >= kMaxFieldErrors) {
        ++record->more_errors;
      } else if (*expected_listed) {
        record->AddError({Abbreviate(key, kMaxQuotedBytes), "unknown field"});
      } else {
        *expected_listed = true;
        record->AddError({Abbreviate(key, kMaxQuotedBytes),
                          "unknown field (expected fields: " + lookup.expected_names() + ")"});
      }
      continue;
    }
    hint = *c + 1;
    if (seen[*c] != 0) {
      record->AddError({std::string(key), "field appears more than once"});
      continue;
    }
    const ColumnSpec& spec = schema.column(*c);
    seen[*c] = field.value.is_null() ? 1 : 2;
    if (spec.role == ColumnRole::kTarget || seen[*c] == 1) continue;  // ignored, or missing
    std::string problem = spec.role == ColumnRole::kId ? ColumnDecoder::ReadId(field.value, &id)
                                                       : decoder.Read(*c, field.value, &row);
    if (!problem.empty()) record->AddError({std::string(key), std::move(problem)});
  }
  for (size_t c = 0; c < n; ++c) {
    const ColumnSpec& spec = schema.column(c);
    if (spec.role != ColumnRole::kFeature || spec.nullable || seen[c] == 2) continue;
    record->AddError({spec.name, seen[c] == 1 ? "null is not allowed (the field is not nullable)"
                                              : "required field is missing"});
  }
  record->has_customer_id = !id.empty();
  record->customer_id.assign(id);
  if (!record->ok()) return;
  decoder.Commit(row, id, static_cast<int64_t>(index) + 1, rows);
}

std::string NotAnObject(std::string_view what, const element& e) {
  return std::string(what) + " must be a JSON object, got " +
         std::string(internal::JsonTypeName(e));
}

// A record-level problem is a FieldError with an empty field name.
std::string_view RecordProblem(const CustomerRecord& record) {
  for (const FieldError& e : record.errors) {
    if (e.field.empty()) return e.message;
  }
  return "invalid customer";
}

// Lists at most `*budget` field errors (taken from it); the rest are
// counted in "more_fields".
void AppendNamedFieldErrors(const CustomerRecord& record, size_t* budget, std::string* out) {
  std::vector<FieldError> named;
  named.reserve(record.errors.size());
  for (const FieldError& e : record.errors) {
    if (!e.field.empty()) named.push_back(e);
  }
  *budget -= AppendFieldErrors(named, record.more_errors, *budget, out);
}

void AppendCustomerId(const CustomerRecord& record, std::string* out) {
  out->append("\"customerID\":");
  if (record.has_customer_id) {
    AppendJsonString(record.customer_id, out);
  } else {
    out->append("null");
  }
}

void AppendModel(const ModelInfo& model, std::string* out) {
  out->append("\"model\":");
  AppendJsonString(model.name, out);
  out->append(",\"version\":");
  AppendJsonString(model.version, out);
  if (!model.fallback.empty()) {
    out->append(",\"fallback\":");
    AppendJsonString(model.fallback, out);
  }
  if (!model.variant.empty()) {
    out->append(",\"variant\":");
    AppendJsonString(model.variant, out);
  }
}

}  // namespace

PredictCodec::PredictCodec(const Schema& schema) : decoder_(schema), lookup_(schema) {}

ApiResult<CustomerRecord> PredictCodec::DecodePredict(std::string_view body, Dataset* rows) const {
  ApiResult<element> doc = internal::ParseJson(body);
  if (!doc.ok()) return doc.error();
  simdjson::dom::object object;
  if (doc->get_object().get(object) != simdjson::SUCCESS) {
    return ApiError{ApiErrorKind::kInvalidRequest, NotAnObject("request body", *doc), {}};
  }
  CustomerRecord record;
  bool expected_listed = false;
  DecodeCustomer(decoder_, lookup_, object, 0, &record, &expected_listed, rows);
  if (!record.ok()) return InvalidCustomerError(record);
  return record;
}

ApiResult<std::vector<CustomerRecord>> PredictCodec::DecodeBatch(std::string_view body,
                                                                 size_t max_batch,
                                                                 Dataset* rows) const {
  ApiResult<element> doc = internal::ParseJson(body);
  if (!doc.ok()) return doc.error();
  simdjson::dom::object object;
  if (doc->get_object().get(object) != simdjson::SUCCESS) {
    return ApiError{ApiErrorKind::kInvalidRequest, NotAnObject("request body", *doc), {}};
  }
  simdjson::dom::array customers;
  bool found = false;
  for (const auto member : object) {
    if (member.key != "customers") {
      return ApiError{ApiErrorKind::kInvalidRequest,
                      "unknown member \"" + Abbreviate(member.key, kMaxQuotedBytes) +
                          "\" (expected \"customers\")",
                      {}};
    }
    if (found) {
      return ApiError{ApiErrorKind::kInvalidRequest, "\"customers\" appears more than once", {}};
    }
    found = true;
    if (member.value.get_array().get(customers) != simdjson::SUCCESS) {
      return ApiError{ApiErrorKind::kInvalidRequest,
                      "\"customers\" must be an array, got " +
                          std::string(internal::JsonTypeName(member.value)),
                      {}};
    }
  }
  if (!found) {
    return ApiError{ApiErrorKind::kInvalidRequest, "missing member \"customers\"", {}};
  }
  const size_t count = customers.size();
  if (count > max_batch) {
    return ApiError{ApiErrorKind::kBatchTooLarge,
                    "batch of " + FormatCount(static_cast<int64_t>(count)) +
                        " customers exceeds the limit of " +
                        FormatCount(static_cast<int64_t>(max_batch)),
                    {}};
  }
  std::vector<CustomerRecord> records(count);
  bool expected_listed = false;
  size_t i = 0;
  for (const element e : customers) {
    CustomerRecord& record = records[i++];
    simdjson::dom::object customer;
    if (e.get_object().get(customer) != simdjson::SUCCESS) {
      record.errors.push_back({"", NotAnObject("customer", e)});
      continue;
    }
    DecodeCustomer(decoder_, lookup_, customer, i - 1, &record, &expected_listed, rows);
  }
  return records;
}

void EncodePrediction(const CustomerRecord& record, const Prediction& prediction,
                      const ModelInfo& model, std::string* out) {
  out->push_back('{');
  AppendCustomerId(record, out);
  out->append(",\"probability\":");
  AppendJsonNumber(prediction.probability, out);
  out->append(",\"prediction\":");
  AppendJsonInt(prediction.prediction, out);
  out->push_back(',');
  AppendModel(model, out);
  out->push_back('}');
}

void EncodeBatch(std::span<const CustomerRecord> records, std::span<const Prediction> predictions,
                 const ModelInfo& model, std::string* out) {
  out->push_back('{');
  AppendModel(model, out);
  out->append(",\"results\":[");
  size_t next = 0;
  size_t budget = kMaxBatchFieldErrors;
  for (size_t i = 0; i < records.size(); ++i) {
    const CustomerRecord& record = records[i];
    if (i > 0) out->push_back(',');
    out->push_back('{');
    if (record.ok() && next < predictions.size()) {
      const Prediction& p = predictions[next++];
      AppendCustomerId(record, out);
      out->append(",\"probability\":");
      AppendJsonNumber(p.probability, out);
      out->append(",\"prediction\":");
      AppendJsonInt(p.prediction, out);
    } else {
      if (record.has_customer_id) {
        AppendCustomerId(record, out);
        out->push_back(',');
      }
      out->append("\"index\":");
      AppendJsonInt(static_cast<int64_t>(i), out);
      out->append(",\"error\":");
      AppendJsonString(record.ok() ? "no prediction" : RecordProblem(record), out);
      out->push_back(',');
      AppendNamedFieldErrors(record, &budget, out);
    }
    out->push_back('}');
  }
  out->append("]}");
}

}  // namespace churnml::serving
