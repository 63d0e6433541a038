#include "serving/grpc/infer_tensors.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "common/strings.h"

namespace churnml::serving {

namespace {

using InputTensor = inference::ModelInferRequest::InferInputTensor;

// Element counts and sizes are bounded by the message size gRPC accepts;
// shapes are checked before they are multiplied.
constexpr int64_t kMaxDimension = int64_t{1} << 40;

std::string Quote(std::string_view text) {
  std::string out = "\"";
  out.append(Abbreviate(text, 80));
  out += '"';
  return out;
}

bool IsIntegerType(std::string_view t) {
  return t == "INT64" || t == "INT32" || t == "INT16" || t == "INT8" || t == "UINT64" ||
         t == "UINT32" || t == "UINT16" || t == "UINT8";
}

bool IsNumberType(std::string_view t) { return t == "FP64" || t == "FP32" || IsIntegerType(t); }

}  // namespace

// Up to kMaxProblems messages, and a count of all.
class InferTensorDecoder::Problems {
 public:
  void Add(std::string message) {
    if (messages_.size() < kMaxProblems) messages_.push_back(std::move(message));
    ++count_;
  }
  bool empty() const { return count_ == 0; }
  std::string Join() const {
    std::string out;
    for (const std::string& m : messages_) {
      if (!out.empty()) out += "; ";
      out += m;
    }
    if (count_ > messages_.size()) {
      out += "; and " + std::to_string(count_ - messages_.size()) + " more";
    }
    return out;
  }

 private:
  std::vector<std::string> messages_;
  size_t count_ = 0;
};

InferTensorDecoder::InferTensorDecoder(const Schema& schema) : schema_(schema) {
  columns_.resize(schema.num_columns());
  for (size_t i = 0; i < schema.num_columns(); ++i) {
    const ColumnSpec& spec = schema.column(i);
    Column& c = columns_[i];
    c.role = spec.role == ColumnRole::kId       ? Column::Role::kId
             : spec.role == ColumnRole::kTarget ? Column::Role::kTarget
                                                : Column::Role::kFeature;
    c.type = spec.type;
    c.nullable = spec.nullable;
    c.min = spec.min;
    c.max = spec.max;
    c.name = spec.name;
    c.schema_index = i;
    c.closed = spec.type == ColumnType::kCategorical && !spec.categories.empty();
    for (size_t k = 0; k < spec.categories.size(); ++k) {
      c.levels.emplace(spec.categories[k], static_cast<int32_t>(k));
      if (!c.allowed.empty()) c.allowed += ", ";
      c.allowed += Quote(spec.categories[k]);
    }
    index_.emplace(spec.name, i);
  }
}

namespace {

// Reads element `i` of a numeric tensor as a double. `raw` (may be null)
// holds the raw bytes, already checked for size.
double NumberAt(const InputTensor& in, const std::string* raw, size_t i) {
  const std::string& t = in.datatype();
  if (raw != nullptr) {
    const char* p = raw->data();
    if (t == "FP64") {
      double v;
      std::memcpy(&v, p + 8 * i, 8);
      return v;
    }
    if (t == "FP32") {
      float v;
      std::memcpy(&v, p + 4 * i, 4);
      return v;
    }
    if (t == "INT64") {
      int64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      return static_cast<double>(v);
    }
    int32_t v;  // INT32
    std::memcpy(&v, p + 4 * i, 4);
    return v;
  }
  const inference::InferTensorContents& c = in.contents();
  if (t == "FP64") return c.fp64_contents(static_cast<int>(i));
  if (t == "FP32") return c.fp32_contents(static_cast<int>(i));
  if (t == "INT64") return static_cast<double>(c.int64_contents(static_cast<int>(i)));
  if (t == "UINT64") return static_cast<double>(c.uint64_contents(static_cast<int>(i)));
  if (t == "UINT32" || t == "UINT16" || t == "UINT8") {
    return c.uint_contents(static_cast<int>(i));
  }
  return c.int_contents(static_cast<int>(i));  // INT32, INT16, INT8
}

// Typed contents holding the elements of datatype `t`, as a count.
int TypedCount(const InputTensor& in) {
  const std::string& t = in.datatype();
  const inference::InferTensorContents& c = in.contents();
  if (t == "FP64") return c.fp64_contents_size();
  if (t == "FP32") return c.fp32_contents_size();
  if (t == "INT64") return c.int64_contents_size();
  if (t == "UINT64") return c.uint64_contents_size();
  if (t == "UINT32" || t == "UINT16" || t == "UINT8") return c.uint_contents_size();
  if (t == "BYTES") return c.bytes_contents_size();
  return c.int_contents_size();
}

// Every typed contents field except the one for datatype `t` is empty.
bool OnlyTypedField(const InputTensor& in) {
  const inference::InferTensorContents& c = in.contents();
  const int total = c.bool_contents_size() + c.int_contents_size() + c.int64_contents_size() +
                    c.uint_contents_size() + c.uint64_contents_size() + c.fp32_contents_size() +
                    c.fp64_contents_size() + c.bytes_contents_size();
  return total == TypedCount(in);
}

// Splits raw BYTES contents into n elements; false when malformed.
bool SplitRawBytes(const std::string& raw, size_t n, std::vector<std::string_view>* out) {
  out->clear();
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    if (raw.size() - at < 4) return false;
    uint32_t length;
    std::memcpy(&length, raw.data() + at, 4);
    at += 4;
    if (raw.size() - at < length) return false;
    out->emplace_back(raw.data() + at, length);
    at += length;
  }
  return at == raw.size();
}

}  // namespace

void InferTensorDecoder::DecodeColumn(const Column& column, const InputTensor& in,
                                      const std::string* raw, size_t n, Dataset* rows,
                                      Problems& problems) const {
  const std::string where = "input " + Quote(column.name);
  auto at = [&](size_t i) { return where + " element " + std::to_string(i); };
  if (column.role == Column::Role::kTarget) return;
  if (column.type != ColumnType::kCategorical && column.role == Column::Role::kFeature) {
    std::vector<double>& numbers = rows->mutable_column(column.schema_index).numbers;
    numbers.resize(n);
    const bool integer = column.type == ColumnType::kInteger;
    for (size_t i = 0; i < n; ++i) {
      double v = NumberAt(in, raw, i);
      numbers[i] = v;
      if (std::isnan(v)) {
        if (!column.nullable) problems.Add(at(i) + ": missing value (the column is not nullable)");
        numbers[i] = kMissingNumber;
        continue;
      }
      if (!std::isfinite(v)) {
        problems.Add(at(i) + ": " + FormatDouble(v) + " is not a finite number");
      } else if (integer && v != std::floor(v)) {
        problems.Add(at(i) + ": " + FormatDouble(v) + " is not an integer");
      } else if ((column.min && v < *column.min) || (column.max && v > *column.max)) {
        problems.Add(at(i) + ": " + FormatDouble(v) + " is outside the range [" +
                     (column.min ? FormatDouble(*column.min) : std::string("-inf")) + ", " +
                     (column.max ? FormatDouble(*column.max) : std::string("inf")) + "]");
      }
    }
    return;
  }
  // BYTES: a category or the id.
  std::vector<std::string_view> raw_elements;
  if (raw != nullptr && !SplitRawBytes(*raw, n, &raw_elements)) {
    problems.Add(where + ": raw BYTES contents do not hold " + std::to_string(n) +
                 " length-prefixed elements");
    return;
  }
  auto element = [&](size_t i) -> std::string_view {
    return raw != nullptr ? raw_elements[i]
                          : std::string_view(in.contents().bytes_contents(static_cast<int>(i)));
  };
  if (column.role == Column::Role::kId) {
    std::vector<std::string>& ids = rows->mutable_ids();
    ids.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const std::string_view v = element(i);
      if (v.size() > kMaxElementBytes) {
        problems.Add(at(i) + ": longer than " + std::to_string(kMaxElementBytes) + " bytes");
      } else {
        ids[i].assign(v);
      }
    }
    return;
  }
  ColumnData& data = rows->mutable_column(column.schema_index);
  data.codes.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string_view v = element(i);
    data.codes[i] = kMissingCode;
    if (v.empty()) {
      if (!column.nullable) problems.Add(at(i) + ": missing value (the column is not nullable)");
      continue;
    }
    if (v.size() > kMaxElementBytes) {
      problems.Add(at(i) + ": longer than " + std::to_string(kMaxElementBytes) + " bytes");
      continue;
    }
    if (column.closed) {
      const auto found = column.levels.find(std::string(v));
      if (found == column.levels.end()) {
        problems.Add(at(i) + ": " + Quote(v) +
                     " is not an allowed value (allowed: " + column.allowed + ")");
      } else {
        data.codes[i] = found->second;
      }
      continue;
    }
    // An open vocabulary: levels as first seen in this request.
    size_t k = 0;
    while (k < data.levels.size() && data.levels[k] != v) ++k;
    if (k == data.levels.size()) data.levels.emplace_back(v);
    data.codes[i] = static_cast<int32_t>(k);
  }
}

std::optional<InferDecodeError> InferTensorDecoder::Decode(
    const inference::ModelInferRequest& request, size_t max_batch, Dataset* rows,
    DecodedInfer* out) const {
  Problems problems;
  *out = DecodedInfer();
  for (const auto& [name, value] : request.parameters()) {
    if (name != kExplainParameter) continue;  // other parameters are the client's business
    if (value.parameter_choice_case() != inference::InferParameter::kBoolParam) {
      problems.Add("parameter \"explain\": expected a bool");
    } else {
      out->explain = value.bool_param();
    }
  }
  out->contributions = out->base_value = out->explain;
  if (request.outputs_size() > 0) {
    out->probability = out->prediction = out->contributions = out->base_value = false;
    for (const auto& requested : request.outputs()) {
      const std::string& name = requested.name();
      if (name == kInferProbability) {
        out->probability = true;
      } else if (name == kInferPrediction) {
        out->prediction = true;
      } else if ((name == kInferContributions || name == kInferBaseValue) && out->explain) {
        (name == kInferContributions ? out->contributions : out->base_value) = true;
      } else if (name == kInferContributions || name == kInferBaseValue) {
        problems.Add("requested output " + Quote(name) +
                     " needs the request parameter \"explain\": true");
      } else {
        problems.Add("unknown requested output " + Quote(name) +
                     " (outputs: probability, prediction, contributions, base_value)");
      }
    }
  }
  const bool raw = request.raw_input_contents_size() > 0;
  if (raw && request.raw_input_contents_size() != request.inputs_size()) {
    problems.Add("raw_input_contents holds " + std::to_string(request.raw_input_contents_size()) +
                 " entries for " + std::to_string(request.inputs_size()) + " inputs");
  }
  // Pass 1: names, datatypes and shapes; the batch size.
  std::vector<int> input_of_column(columns_.size(), -1);
  std::vector<bool> seen(columns_.size(), false);  // given, valid or not
  std::optional<size_t> batch;
  for (int i = 0; i < request.inputs_size(); ++i) {
    const InputTensor& in = request.inputs(i);
    const auto found = index_.find(in.name());
    if (found == index_.end()) {
      problems.Add("unknown input " + Quote(in.name()));
      continue;
    }
    const Column& column = columns_[found->second];
    const std::string where = "input " + Quote(column.name);
    if (seen[found->second]) {
      problems.Add(where + ": given twice");
      continue;
    }
    seen[found->second] = true;
    const bool wants_bytes =
        column.type == ColumnType::kCategorical || column.role == Column::Role::kId;
    const std::string& t = in.datatype();
    if (column.role != Column::Role::kTarget && (wants_bytes ? t != "BYTES" : !IsNumberType(t))) {
      problems.Add(where + ": datatype " + Quote(t) + ", expected " +
                   (wants_bytes ? "BYTES"
                                : "FP64, FP32, INT64, INT32, INT16, INT8, UINT64, UINT32, "
                                  "UINT16 or UINT8"));
      continue;
    }
    const auto& shape = in.shape();
    if (shape.size() < 1 || shape.size() > 2 || (shape.size() == 2 && shape[1] != 1) ||
        shape[0] < 0 || shape[0] > kMaxDimension) {
      problems.Add(where + ": shape must be [N] or [N, 1]");
      continue;
    }
    const auto n = static_cast<size_t>(shape[0]);
    if (batch && *batch != n) {
      problems.Add(where + ": batch size " + std::to_string(n) + ", other inputs have " +
                   std::to_string(*batch));
      continue;
    }
    batch = n;
    if (column.role == Column::Role::kTarget) {
      input_of_column[found->second] = i;
      continue;
    }
    if (raw && i < request.raw_input_contents_size()) {
      if (in.has_contents() && in.contents().ByteSizeLong() > 0) {
        problems.Add(where + ": both contents and raw_input_contents");
        continue;
      }
      const size_t bytes = request.raw_input_contents(i).size();
      const size_t width = t == "FP64" || t == "INT64" ? 8 : t == "BYTES" ? 0 : 4;
      if (t != "BYTES" && t != "FP64" && t != "FP32" && t != "INT64" && t != "INT32") {
        problems.Add(where +
                     ": raw contents are read for FP64, FP32, INT64, INT32 and BYTES, "
                     "not " +
                     t);
        continue;
      }
      if (width > 0 && bytes != n * width) {
        problems.Add(where + ": raw contents of " + std::to_string(bytes) + " bytes, shape needs " +
                     std::to_string(n * width));
        continue;
      }
    } else if (!raw) {
      if (static_cast<size_t>(TypedCount(in)) != n || !OnlyTypedField(in)) {
        problems.Add(where + ": contents hold " + std::to_string(TypedCount(in)) + " " + t +
                     " elements, shape needs " + std::to_string(n));
        continue;
      }
    }
    input_of_column[found->second] = i;
  }
  const size_t n = batch.value_or(0);
  if (problems.empty() && n > max_batch) {
    return InferDecodeError{
        InferDecodeError::Kind::kTooLarge,
        "batch of " + std::to_string(n) + " rows, the limit is " + std::to_string(max_batch)};
  }
  for (const Column& column : columns_) {
    if (seen[column.schema_index] || column.role != Column::Role::kFeature) continue;
    if (!column.nullable) {
      problems.Add("missing input " + Quote(column.name));
    } else if (column.type == ColumnType::kCategorical) {
      rows->mutable_column(column.schema_index).codes.assign(n, kMissingCode);
    } else {
      rows->mutable_column(column.schema_index).numbers.assign(n, kMissingNumber);
    }
  }
  // Pass 2: the elements.
  if (problems.empty()) {
    for (const Column& column : columns_) {
      const int i = input_of_column[column.schema_index];
      if (i < 0) continue;
      DecodeColumn(column, request.inputs(i), raw ? &request.raw_input_contents(i) : nullptr, n,
                   rows, problems);
    }
  }
  if (!problems.empty()) {
    rows->Clear();
    return InferDecodeError{InferDecodeError::Kind::kInvalid, problems.Join()};
  }
  if (schema_.id_index() && input_of_column[*schema_.id_index()] < 0) {
    std::vector<std::string>& ids = rows->mutable_ids();
    ids.resize(n);
    for (size_t r = 0; r < n; ++r) ids[r] = std::to_string(r);
  }
  std::vector<int64_t>& source_rows = rows->mutable_source_rows();
  source_rows.resize(n);
  for (size_t r = 0; r < n; ++r) source_rows[r] = static_cast<int64_t>(r + 1);
  rows->set_num_rows(n);
  out->rows = n;
  return std::nullopt;
}

namespace {

inference::ModelInferResponse::InferOutputTensor* AddOutput(inference::ModelInferResponse* response,
                                                            std::string_view name,
                                                            std::string_view datatype,
                                                            std::initializer_list<int64_t> shape) {
  auto* t = response->add_outputs();
  t->set_name(std::string(name));
  t->set_datatype(std::string(datatype));
  for (int64_t d : shape) t->add_shape(d);
  return t;
}

inference::InferParameter StringParameter(std::string value) {
  inference::InferParameter p;
  p.set_string_param(std::move(value));
  return p;
}

}  // namespace

void EncodeInferResponse(const inference::ModelInferRequest& request, const DecodedInfer& decoded,
                         const InferAnswer& answer, inference::ModelInferResponse* response) {
  response->set_model_name(std::string(answer.model_name));
  response->set_model_version(std::string(answer.model_version));
  if (!request.id().empty()) response->set_id(request.id());
  if (!answer.fallback.empty()) {
    (*response->mutable_parameters())["fallback"] = StringParameter(std::string(answer.fallback));
  }
  if (!answer.variant.empty()) {
    (*response->mutable_parameters())["variant"] = StringParameter(std::string(answer.variant));
  }
  const auto n = static_cast<int64_t>(answer.probabilities.size());
  if (decoded.probability) {
    auto* t = AddOutput(response, kInferProbability, "FP64", {n});
    t->mutable_contents()->mutable_fp64_contents()->Add(answer.probabilities.begin(),
                                                        answer.probabilities.end());
  }
  if (decoded.prediction) {
    auto* t = AddOutput(response, kInferPrediction, "INT64", {n});
    auto* values = t->mutable_contents()->mutable_int64_contents();
    values->Reserve(static_cast<int>(n));
    for (double p : answer.probabilities) values->Add(p >= answer.threshold ? 1 : 0);
  }
  const bool explained =
      answer.contributions.size() == answer.features.size() * answer.probabilities.size() &&
      answer.base_values.size() == answer.probabilities.size();
  if (decoded.contributions && explained) {
    auto* t = AddOutput(response, kInferContributions, "FP64",
                        {n, static_cast<int64_t>(answer.features.size())});
    t->mutable_contents()->mutable_fp64_contents()->Add(answer.contributions.begin(),
                                                        answer.contributions.end());
    std::string names;
    for (const std::string& f : answer.features) {
      if (!names.empty()) names += ',';
      names += f;
    }
    (*t->mutable_parameters())["unit"] = StringParameter("log-odds");
    (*t->mutable_parameters())["features"] = StringParameter(std::move(names));
  }
  if (decoded.base_value && explained) {
    auto* t = AddOutput(response, kInferBaseValue, "FP64", {n});
    t->mutable_contents()->mutable_fp64_contents()->Add(answer.base_values.begin(),
                                                        answer.base_values.end());
    (*t->mutable_parameters())["unit"] = StringParameter("log-odds");
  }
}

}  // namespace churnml::serving
