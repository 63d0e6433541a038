// libFuzzer target: every input is fed, as a request body, to the
// /predict, /predict/batch and Open Inference Protocol decoders with the
// Telco schema (which decode straight into a typed Dataset), the results
// through the encoders, and, as an Authorization header value, to
// ApiKeySet::Authenticate. Crashes, sanitizer reports, encoder output
// that is not valid JSON, error bodies over their bounds (more than
// kMaxFieldErrors fields for one customer, more than kMaxBatchFieldErrors in
// a batch, a one-customer error body over 64 KiB), a Dataset whose rows do
// not match the valid records, and a row value outside the schema (a
// category code outside its levels, a number outside its range) are
// failures.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"
#include "data/schema.h"
#include "serving/api/api_keys.h"
#include "serving/api/oip_codec.h"
#include "serving/api/predict_codec.h"

namespace churnml::serving {
namespace {

constexpr size_t kMaxBatch = 64;

struct Fixture {
  const Schema& schema = Schema::Telco();
  PredictCodec predict{schema};
  OipCodec oip{schema};
  ApiKeySet keys;

  Fixture() {
    ApiKeySources sources;
    sources.keys =
        "fuzz-key-0123456789abcdef0123456789abcdef,fuzz-key-ffffffffffffffffffffffffffff";
    Result<ApiKeySet> loaded = ApiKeySet::Load(sources);
    if (!loaded.ok()) std::abort();
    keys = std::move(loaded).value();
  }
};

void RequireJson(const std::string& text) {
  if (!nlohmann::json::accept(text)) std::abort();
}

// An error body for one customer is small whatever the request held.
void RequireBoundedError(const ApiError& error) {
  if (error.fields.size() > kMaxFieldErrors) std::abort();
  const std::string text = error.ToJson();
  if (text.size() > 64 * 1024) std::abort();
  RequireJson(text);
}

size_t CountListedFields(const std::string& text) {
  size_t count = 0;
  for (size_t at = text.find("{\"field\":"); at != std::string::npos;
       at = text.find("{\"field\":", at + 1)) {
    ++count;
  }
  return count;
}

// Every row of `data` holds values the schema allows.
void RequireSchemaRows(const Dataset& data) {
  const Schema& schema = data.schema();
  if (data.ids().size() != data.num_rows()) std::abort();
  for (size_t c : schema.feature_indices()) {
    const ColumnSpec& spec = schema.column(c);
    const ColumnData& column = data.column(c);
    if (spec.type == ColumnType::kCategorical) {
      if (column.codes.size() != data.num_rows()) std::abort();
      for (int32_t code : column.codes) {
        if (code == kMissingCode ? !spec.nullable
                                 : code < 0 || static_cast<size_t>(code) >= column.levels.size()) {
          std::abort();
        }
      }
      continue;
    }
    if (column.numbers.size() != data.num_rows()) std::abort();
    for (double v : column.numbers) {
      if (std::isnan(v)) {
        if (!spec.nullable) std::abort();
      } else if ((spec.min && v < *spec.min) || (spec.max && v > *spec.max) || !std::isfinite(v)) {
        std::abort();
      }
    }
  }
}

// A made-up prediction per row of `data`, whose rows must be exactly the
// valid records.
std::vector<Prediction> Score(const Dataset& data, const std::vector<CustomerRecord>& records) {
  RequireSchemaRows(data);
  std::vector<Prediction> predictions;
  for (size_t i = 0; i < data.num_rows(); ++i) {
    predictions.push_back({static_cast<double>(i) / 7.0, static_cast<int>(i % 2)});
  }
  size_t valid = 0;
  for (const CustomerRecord& r : records) valid += r.ok() ? 1 : 0;
  if (valid != data.num_rows()) std::abort();
  return predictions;
}

void FuzzPredict(const Fixture& f, std::string_view body) {
  Dataset data(f.schema);
  ApiResult<CustomerRecord> single = f.predict.DecodePredict(body, &data);
  if (!single.ok()) {
    RequireBoundedError(single.error());
    if (data.num_rows() != 0) std::abort();
  } else {
    std::vector<CustomerRecord> records = {std::move(single).value()};
    std::vector<Prediction> predictions = Score(data, records);
    std::string out;
    EncodePrediction(records[0], predictions.at(0), {"churn", "1", ""}, &out);
    RequireJson(out);
  }

  data.Clear();
  ApiResult<std::vector<CustomerRecord>> batch = f.predict.DecodeBatch(body, kMaxBatch, &data);
  if (!batch.ok()) {
    RequireJson(batch.error().ToJson());
  } else {
    std::vector<Prediction> predictions = Score(data, *batch);
    std::string out;
    EncodeBatch(*batch, predictions, {"churn", "1", "prior"}, &out);
    RequireJson(out);
    // Customer ids and field names are escaped, so "{"field": appears only
    // where the encoder put it.
    if (CountListedFields(out) > kMaxBatchFieldErrors) std::abort();
  }
}

void FuzzOip(const Fixture& f, std::string_view body) {
  Dataset data(f.schema);
  ApiResult<InferRequest> request = f.oip.DecodeInferRequest(body, kMaxBatch, &data);
  if (!request.ok()) {
    if (data.num_rows() != 0) std::abort();
    RequireJson(request.error().ToJson());
    return;
  }
  if (data.num_rows() != request->rows) std::abort();
  RequireSchemaRows(data);
  std::vector<Prediction> predictions(data.num_rows(), Prediction{0.5, 1});
  std::string out;
  EncodeInferResponse("churn", "1", *request, predictions, &out);
  RequireJson(out);
}

}  // namespace
}  // namespace churnml::serving

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace churnml::serving;
  static const Fixture* const fixture = new Fixture();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  FuzzPredict(*fixture, body);
  FuzzOip(*fixture, body);
  const AuthOutcome auth = fixture->keys.Authenticate(body);
  if (auth.ok() && auth.key_index >= fixture->keys.size()) std::abort();
  return 0;
}
