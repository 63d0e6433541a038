// libFuzzer target: every input is fed, as a request body, to the
// /predict, /predict/batch and Open Inference Protocol decoders with the
// Telco schema, the decoded records through ConvertCustomers and the
// encoders, and, as an Authorization header value, to
// ApiKeySet::Authenticate. Crashes, sanitizer reports, encoder output
// that is not valid JSON and error bodies over their bounds (more than
// kMaxFieldErrors fields for one customer, more than kMaxBatchFieldErrors in
// a batch, a one-customer error body over 64 KiB) are failures.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"
#include "data/row_converter.h"
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
  RowConverter converter = RowConverter::ForSchema(schema, TargetPolicy::kIgnore);
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

// Converts the valid records and answers them with a made-up prediction.
std::vector<Prediction> Score(const Fixture& f, std::vector<CustomerRecord>& records) {
  Dataset data(f.schema);
  ConvertCustomers(f.converter, records, &data);
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
  ApiResult<CustomerRecord> single = f.predict.DecodePredict(body);
  if (!single.ok()) {
    RequireBoundedError(single.error());
  } else {
    std::vector<CustomerRecord> records = {std::move(single).value()};
    std::vector<Prediction> predictions = Score(f, records);
    std::string out;
    if (records[0].ok()) {
      EncodePrediction(f.schema, records[0], predictions.at(0), {"churn", "1", ""}, &out);
    } else {
      RequireBoundedError(InvalidCustomerError(records[0]));
      out = InvalidCustomerError(records[0]).ToJson();
    }
    RequireJson(out);
  }

  ApiResult<std::vector<CustomerRecord>> batch = f.predict.DecodeBatch(body, kMaxBatch);
  if (!batch.ok()) {
    RequireJson(batch.error().ToJson());
  } else {
    std::vector<Prediction> predictions = Score(f, *batch);
    std::string out;
    EncodeBatch(f.schema, *batch, predictions, {"churn", "1", "prior"}, &out);
    RequireJson(out);
    // Customer ids and field names are escaped, so "{"field": appears only
    // where the encoder put it.
    if (CountListedFields(out) > kMaxBatchFieldErrors) std::abort();
  }
}

void FuzzOip(const Fixture& f, std::string_view body) {
  ApiResult<InferRequest> request = f.oip.DecodeInferRequest(body, kMaxBatch);
  if (!request.ok()) {
    RequireJson(request.error().ToJson());
    return;
  }
  std::vector<Prediction> predictions = Score(f, request->records);
  std::string out;
  if (predictions.size() == request->records.size()) {
    EncodeInferResponse("churn", "1", *request, predictions, &out);
  } else {
    out = InvalidInferRowsError(request->records).ToJson();
  }
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
