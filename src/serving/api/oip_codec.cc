#include "serving/api/oip_codec.h"

#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "common/strings.h"
#include "serving/api/json_parse.h"
#include "serving/api/json_writer.h"

namespace churnml::serving {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Messages kept in one error body; the rest are counted.
constexpr size_t kMaxProblems = 20;
// Element problems reported per input before "and N more".
constexpr size_t kMaxElementProblems = 5;
// input_of_column value of an input that was present but unusable.
constexpr int kBadInput = -2;

enum class DataKind { kBytes, kFloat, kInt };

std::optional<DataKind> KindOf(std::string_view datatype) {
  if (datatype == "BYTES") return DataKind::kBytes;
  if (datatype == "FP64" || datatype == "FP32") return DataKind::kFloat;
  for (std::string_view t :
       {"INT64", "INT32", "INT16", "INT8", "UINT64", "UINT32", "UINT16", "UINT8"}) {
    if (datatype == t) return DataKind::kInt;
  }
  return std::nullopt;
}

std::string_view DatatypeOf(const ColumnSpec& spec) {
  if (spec.type == ColumnType::kCategorical || spec.role == ColumnRole::kId) return "BYTES";
  return spec.type == ColumnType::kInteger ? "INT64" : "FP64";
}

class Problems {
 public:
  void Add(std::string message) {
    ++count_;
    if (list_.size() < kMaxProblems) list_.push_back(std::move(message));
  }
  // The list of expected names is quoted once per error body, not per
  // unknown input: true the first time.
  bool ListExpectedOnce() { return !std::exchange(expected_listed_, true); }
  bool empty() const { return count_ == 0; }
  ApiError ToError() const {
    std::string message = Join(list_, "; ");
    if (count_ > list_.size()) {
      message += "; and " + std::to_string(count_ - list_.size()) + " more";
    }
    return ApiError{ApiErrorKind::kInvalidInference, std::move(message), {}};
  }

 private:
  std::vector<std::string> list_;
  size_t count_ = 0;
  bool expected_listed_ = false;
};

std::string Quoted(std::string_view s) { return "\"" + Abbreviate(s, kMaxQuotedBytes) + "\""; }

std::string InputLabel(std::string_view name) { return "input " + Quoted(name); }

// An input whose header (name, datatype, shape, data length) checked out.
struct Input {
  size_t column = 0;
  DataKind kind = DataKind::kFloat;
  std::string_view name;
  std::vector<element> data;  // flattened
};

// Reads shape [N] or [N, 1]; returns N, or nullopt.
std::optional<size_t> BatchSizeOf(const element& shape, std::string* shown) {
  simdjson::dom::array dims;
  if (shape.get_array().get(dims) != simdjson::SUCCESS) return std::nullopt;
  std::vector<int64_t> values;
  *shown = "[";
  bool valid = true;
  for (const element d : dims) {
    int64_t v = 0;
    if (!shown->empty() && shown->size() > 1) *shown += ", ";
    if (d.get_int64().get(v) != simdjson::SUCCESS) {
      *shown += "?";
      valid = false;
      continue;
    }
    *shown += std::to_string(v);
    values.push_back(v);
  }
  *shown += "]";
  if (!valid || values.empty() || values.size() > 2 || values[0] < 0) return std::nullopt;
  if (values.size() == 2 && values[1] != 1) return std::nullopt;
  return static_cast<size_t>(values[0]);
}

// Appends the elements of `data`, flattening one level of nested arrays.
void Flatten(const simdjson::dom::array& data, std::vector<element>* out) {
  out->clear();
  for (const element e : data) {
    simdjson::dom::array inner;
    if (e.get_array().get(inner) == simdjson::SUCCESS) {
      for (const element x : inner) out->push_back(x);
    } else {
      out->push_back(e);
    }
  }
}

// Checks one input object's members; on success fills `input`.
bool ReadInputHeader(const Schema& schema, const ColumnLookup& lookup, size_t k,
                     const element& value, Input* input, Problems* problems) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    problems->Add("inputs[" + std::to_string(k) + "] must be a JSON object, got " +
                  std::string(internal::JsonTypeName(value)));
    return false;
  }
  std::optional<element> shape_e, datatype_e, data_e;
  std::string_view name;
  if (object["name"].get_string().get(name) != simdjson::SUCCESS) {
    problems->Add("inputs[" + std::to_string(k) + "]: \"name\" must be a string");
    return false;
  }
  const std::string label = InputLabel(name);
  bool ok = true;
  for (const auto member : object) {
    if (member.key == "name" || member.key == "parameters") continue;
    if (member.key == "shape") {
      shape_e = member.value;
    } else if (member.key == "datatype") {
      datatype_e = member.value;
    } else if (member.key == "data") {
      data_e = member.value;
    } else {
      problems->Add(label + ": unknown member " + Quoted(member.key) +
                    " (expected name, shape, datatype, data, parameters)");
      ok = false;
    }
  }
  const std::optional<size_t> column = lookup.Find(name, 0);
  if (!column) {
    problems->Add("unknown " + label +
                  (problems->ListExpectedOnce()
                       ? " (expected inputs: " + lookup.expected_names() + ")"
                       : std::string()));
    return false;
  }
  input->column = *column;  // known: a bad input is not also reported missing
  input->name = name;
  const ColumnSpec& spec = schema.column(*column);
  for (const auto& [member, what] :
       {std::pair{&shape_e, "shape"}, std::pair{&datatype_e, "datatype"},
        std::pair{&data_e, "data"}}) {
    if (!member->has_value()) {
      problems->Add(label + ": missing member \"" + what + "\"");
      ok = false;
    }
  }
  if (!ok) return false;

  std::string_view datatype;
  std::optional<DataKind> kind;
  if (datatype_e->get_string().get(datatype) == simdjson::SUCCESS) kind = KindOf(datatype);
  const std::string_view expected = DatatypeOf(spec);
  const bool bytes_column = expected == "BYTES";
  if (!kind || (*kind == DataKind::kBytes) != bytes_column) {
    problems->Add(
        label + ": datatype " +
        (datatype.empty() ? std::string("(not a string)") : Quoted(datatype)) +
        " does not fit the column (expected " +
        (bytes_column ? std::string("BYTES") : std::string("FP64, FP32, INT64 or INT32")) + ")");
    ok = false;
  }
  std::string shown;
  const std::optional<size_t> n = BatchSizeOf(*shape_e, &shown);
  if (!n) {
    problems->Add(label + ": shape " + shown + " must be [N] or [N, 1]");
    ok = false;
  }
  simdjson::dom::array data;
  if (data_e->get_array().get(data) != simdjson::SUCCESS) {
    problems->Add(label + ": \"data\" must be an array, got " +
                  std::string(internal::JsonTypeName(*data_e)));
    return false;
  }
  if (!ok) return false;
  Flatten(data, &input->data);
  if (input->data.size() != *n) {
    problems->Add(label + ": data has " + std::to_string(input->data.size()) + " elements, shape " +
                  shown + " holds " + std::to_string(*n));
    return false;
  }
  input->kind = *kind;
  return true;
}

// Decodes the elements of one input into column `input.column` of `rows`
// (already sized to the batch: missing values) or, for customerID, `ids`.
void ReadInputData(const ColumnDecoder& decoder, const Input& input, Dataset* rows,
                   std::vector<std::string_view>* ids, Problems* problems) {
  const ColumnSpec& spec = decoder.schema().column(input.column);
  size_t bad = 0;
  auto problem = [&](size_t i, const std::string& message) {
    if (++bad <= kMaxElementProblems) {
      problems->Add(InputLabel(input.name) + " element " + std::to_string(i) + ": " + message);
    }
  };
  const bool required = spec.role == ColumnRole::kFeature && !spec.nullable;
  const bool categorical = spec.type == ColumnType::kCategorical;
  ColumnData& column = rows->mutable_column(input.column);
  for (size_t i = 0; i < input.data.size(); ++i) {
    const element& e = input.data[i];
    if (e.is_null()) {
      if (required) problem(i, "null is not allowed (the column is not nullable)");
      continue;  // the cell stays missing
    }
    if (input.kind == DataKind::kInt && e.type() == element_type::DOUBLE) {
      const double v = e.get_double().value_unsafe();
      if (std::nearbyint(v) != v) {
        problem(i, FormatDouble(v) + " is not an integer (datatype INT)");
        continue;
      }
    }
    std::string message;
    if (spec.role == ColumnRole::kId) {
      message = ColumnDecoder::ReadId(e, &(*ids)[i]);
    } else if (categorical) {
      std::string_view text;
      int32_t code = kMissingCode;
      message = decoder.ReadCategory(input.column, e, &code, &text);
      if (message.empty() && spec.categories.empty() && !text.empty()) {
        code = ColumnDecoder::OpenLevel(column, text);
      }
      column.codes[i] = code;
    } else {
      message = decoder.ReadNumber(input.column, e, &column.numbers[i]);
    }
    if (!message.empty()) problem(i, message);
  }
  if (bad > kMaxElementProblems) {
    problems->Add(InputLabel(input.name) + ": and " + std::to_string(bad - kMaxElementProblems) +
                  " more bad elements");
  }
}

void ReadOutputs(const element& value, InferRequest* request, Problems* problems) {
  simdjson::dom::array outputs;
  if (value.get_array().get(outputs) != simdjson::SUCCESS) {
    problems->Add("\"outputs\" must be an array, got " +
                  std::string(internal::JsonTypeName(value)));
    return;
  }
  request->want_probability = false;
  request->want_prediction = false;
  size_t k = 0;
  for (const element output : outputs) {
    std::string_view name;
    if (output["name"].get_string().get(name) != simdjson::SUCCESS) {
      problems->Add("outputs[" + std::to_string(k) + "]: \"name\" must be a string");
    } else if (name == kProbabilityOutput) {
      request->want_probability = true;
    } else if (name == kPredictionOutput) {
      request->want_prediction = true;
    } else if (name == "contributions") {
      request->want_contributions = true;
    } else if (name == "base_value") {
      request->want_base_value = true;
    } else {
      problems->Add("unknown output " + Quoted(name) +
                    " (expected probability, prediction, contributions, base_value)");
    }
    ++k;
  }
}

}  // namespace

OipCodec::OipCodec(const Schema& schema) : decoder_(schema), lookup_(schema) {}

ApiResult<InferRequest> OipCodec::DecodeInferRequest(std::string_view body, size_t max_batch,
                                                     Dataset* rows) const {
  const Schema& schema = decoder_.schema();
  ApiResult<element> doc = internal::ParseJson(body);
  if (!doc.ok()) return doc.error();
  Problems problems;
  simdjson::dom::object object;
  if (doc->get_object().get(object) != simdjson::SUCCESS) {
    problems.Add("request body must be a JSON object, got " +
                 std::string(internal::JsonTypeName(*doc)));
    return problems.ToError();
  }
  InferRequest request;
  bool outputs_given = false;
  std::optional<simdjson::dom::array> inputs;
  for (const auto member : object) {
    if (member.key == "id") {
      std::string_view id;
      if (member.value.get_string().get(id) == simdjson::SUCCESS) {
        request.id.assign(id);
      } else {
        problems.Add("\"id\" must be a string");
      }
    } else if (member.key == "parameters") {
      simdjson::dom::object parameters;
      if (member.value.get_object().get(parameters) != simdjson::SUCCESS) {
        problems.Add("\"parameters\" must be an object");
      } else if (element explain; parameters["explain"].get(explain) == simdjson::SUCCESS) {
        if (explain.get_bool().get(request.explain) != simdjson::SUCCESS) {
          problems.Add("parameter \"explain\" must be true or false");
        }
      }
    } else if (member.key == "inputs") {
      simdjson::dom::array array;
      if (member.value.get_array().get(array) == simdjson::SUCCESS) {
        inputs = array;
      } else {
        problems.Add("\"inputs\" must be an array, got " +
                     std::string(internal::JsonTypeName(member.value)));
      }
    } else if (member.key == "outputs") {
      outputs_given = true;
      ReadOutputs(member.value, &request, &problems);
    } else {
      problems.Add("unknown member " + Quoted(member.key) +
                   " (expected id, parameters, inputs, outputs)");
    }
  }
  if (!outputs_given) request.want_contributions = request.want_base_value = request.explain;
  if (!request.explain && (request.want_contributions || request.want_base_value)) {
    problems.Add(
        "outputs \"contributions\" and \"base_value\" need \"parameters\":"
        "{\"explain\":true}");
  }
  if (!inputs) {
    if (problems.empty()) problems.Add("missing member \"inputs\"");
    return problems.ToError();
  }

  std::vector<Input> read;
  std::vector<int> input_of_column(schema.num_columns(), -1);
  std::optional<size_t> batch;
  std::string_view batch_from;  // the input that set `batch`
  size_t k = 0;
  for (const element value : *inputs) {
    Input input;
    input.column = schema.num_columns();
    if (!ReadInputHeader(schema, lookup_, k++, value, &input, &problems)) {
      if (input.column < schema.num_columns() && input_of_column[input.column] < 0) {
        input_of_column[input.column] = kBadInput;
      }
      continue;
    }
    const std::string label = InputLabel(input.name);
    if (input_of_column[input.column] != -1) {
      problems.Add(label + " appears more than once");
      continue;
    }
    input_of_column[input.column] = static_cast<int>(read.size());
    if (!batch) {
      batch = input.data.size();
      batch_from = input.name;
    } else if (*batch != input.data.size()) {
      problems.Add(label + ": batch size " + std::to_string(input.data.size()) + " differs from " +
                   std::to_string(*batch) + " (" + InputLabel(batch_from) + ")");
      continue;
    }
    if (schema.column(input.column).role == ColumnRole::kTarget) continue;  // ignored
    read.push_back(std::move(input));
  }
  for (size_t c = 0; c < schema.num_columns(); ++c) {
    const ColumnSpec& spec = schema.column(c);
    if (spec.role == ColumnRole::kFeature && !spec.nullable && input_of_column[c] == -1) {
      problems.Add("missing " + InputLabel(spec.name));
    }
  }
  if (!problems.empty()) return problems.ToError();
  const size_t n = batch.value_or(0);
  if (n > max_batch) {
    return ApiError{ApiErrorKind::kBatchTooLarge,
                    "batch of " + FormatCount(static_cast<int64_t>(n)) + " exceeds the limit of " +
                        FormatCount(static_cast<int64_t>(max_batch)),
                    {}};
  }
  // Every row starts missing; the inputs fill their columns.
  rows->Clear();
  for (size_t c : schema.feature_indices()) {
    ColumnData& column = rows->mutable_column(c);
    if (schema.column(c).type == ColumnType::kCategorical) {
      column.codes.assign(n, kMissingCode);
    } else {
      column.numbers.assign(n, kMissingNumber);
    }
  }
  std::vector<std::string_view> ids(n);
  for (const Input& input : read) ReadInputData(decoder_, input, rows, &ids, &problems);
  if (!problems.empty()) {
    rows->Clear();
    return problems.ToError();
  }
  std::vector<std::string>& row_ids = rows->mutable_ids();
  std::vector<int64_t>& source_rows = rows->mutable_source_rows();
  for (size_t i = 0; i < n; ++i) {
    row_ids.emplace_back(ids[i]);
    source_rows.push_back(static_cast<int64_t>(i) + 1);
  }
  rows->set_num_rows(n);
  request.rows = n;
  return request;
}

void EncodeInferResponse(std::string_view model_name, std::string_view model_version,
                         const InferRequest& request, std::span<const Prediction> predictions,
                         std::string* out) {
  out->append("{\"model_name\":");
  AppendJsonString(model_name, out);
  out->append(",\"model_version\":");
  AppendJsonString(model_version, out);
  if (!request.id.empty()) {
    out->append(",\"id\":");
    AppendJsonString(request.id, out);
  }
  out->append(",\"outputs\":[");
  const auto shape = [&] {
    out->append(",\"shape\":[");
    AppendJsonInt(static_cast<int64_t>(predictions.size()), out);
    out->append("],\"data\":[");
  };
  if (request.want_probability) {
    out->append("{\"name\":\"probability\",\"datatype\":\"FP64\"");
    shape();
    for (size_t i = 0; i < predictions.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonNumber(predictions[i].probability, out);
    }
    out->append("]}");
  }
  if (request.want_prediction) {
    if (request.want_probability) out->push_back(',');
    out->append("{\"name\":\"prediction\",\"datatype\":\"INT64\"");
    shape();
    for (size_t i = 0; i < predictions.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonInt(predictions[i].prediction, out);
    }
    out->append("]}");
  }
  out->append("]}");
}

void AppendInferExplanation(const InferRequest& request, std::span<const std::string> features,
                            std::span<const double> contributions,
                            std::span<const double> base_values, std::string* out) {
  if (!request.want_contributions && !request.want_base_value) return;
  // Reopen the "outputs" array EncodeInferResponse closed with "]}".
  out->resize(out->size() - 2);
  bool first = !out->empty() && out->back() == '[';
  const auto start = [&](std::string_view name) {
    if (!first) out->push_back(',');
    first = false;
    out->append("{\"name\":");
    AppendJsonString(name, out);
    out->append(",\"datatype\":\"FP64\",\"shape\":[");
    AppendJsonInt(static_cast<int64_t>(base_values.size()), out);
  };
  const auto data = [&](std::span<const double> values) {
    out->append("\"data\":[");
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonNumber(values[i], out);
    }
    out->append("]}");
  };
  if (request.want_contributions) {
    start("contributions");
    out->push_back(',');
    AppendJsonInt(static_cast<int64_t>(features.size()), out);
    out->append("],\"parameters\":{\"unit\":\"log-odds\",\"features\":");
    std::string names;
    for (const std::string& f : features) {
      if (!names.empty()) names.push_back(',');
      names += f;
    }
    AppendJsonString(names, out);
    out->append("},");
    data(contributions);
  }
  if (request.want_base_value) {
    start("base_value");
    out->append("],\"parameters\":{\"unit\":\"log-odds\"},");
    data(base_values);
  }
  out->append("]}");
}

void EncodeModelMetadata(const Schema& schema, std::string_view model_name,
                         std::span<const std::string> versions, std::string* out) {
  out->append("{\"name\":");
  AppendJsonString(model_name, out);
  out->append(",\"versions\":[");
  for (size_t i = 0; i < versions.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(versions[i], out);
  }
  out->append("],\"platform\":\"churnml\",\"inputs\":[");
  bool first = true;
  for (size_t c : schema.feature_indices()) {
    const ColumnSpec& spec = schema.column(c);
    if (!first) out->push_back(',');
    first = false;
    out->append("{\"name\":");
    AppendJsonString(spec.name, out);
    out->append(",\"datatype\":");
    AppendJsonString(DatatypeOf(spec), out);
    out->append(",\"shape\":[-1]}");
  }
  out->append(
      "],\"outputs\":[{\"name\":\"probability\",\"datatype\":\"FP64\",\"shape\":[-1]},"
      "{\"name\":\"prediction\",\"datatype\":\"INT64\",\"shape\":[-1]}]}");
}

void EncodeServerMetadata(std::string_view server_version, std::string* out) {
  out->append("{\"name\":\"churnml\",\"version\":");
  AppendJsonString(server_version, out);
  out->append(",\"extensions\":[]}");
}

void EncodeOipError(std::string_view message, std::string* out) {
  out->append("{\"error\":");
  AppendJsonString(message, out);
  out->push_back('}');
}

}  // namespace churnml::serving
