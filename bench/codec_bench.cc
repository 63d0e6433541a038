// Google Benchmark for the serving request codecs (src/serving/api): the
// CPU a prediction request spends outside the model. Each benchmark
// decodes a body straight into the typed columns of a Dataset (schema
// checks included) and encodes the response, for one customer (POST /predict), a 100-customer
// batch (POST /predict/batch) and a 100-row Open Inference Protocol infer
// request; "ns_per_customer" divides the time by the customers handled.
// Also: Bearer-key authentication and a rate-limiter acquire.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "data/dataset.h"
#include "data/schema.h"
#include "serving/api/api_keys.h"
#include "serving/api/oip_codec.h"
#include "serving/api/predict_codec.h"
#include "serving/api/rate_limiter.h"

namespace churnml::serving {
namespace {

constexpr size_t kBatch = 100;

std::string Customer(size_t i) {
  const char* contracts[] = {"Month-to-month", "One year", "Two year"};
  const char* payments[] = {"Electronic check", "Mailed check", "Bank transfer (automatic)",
                            "Credit card (automatic)"};
  return R"({"customerID":")" + std::to_string(1000 + i) + R"(-ABCDE","gender":")" +
         (i % 2 ? "Male" : "Female") + R"(","SeniorCitizen":)" + std::to_string(i % 2) +
         R"(,"Partner":"Yes","Dependents":"No","tenure":)" + std::to_string(i % 72) +
         R"(,"PhoneService":"Yes","MultipleLines":"No","InternetService":"Fiber optic",)"
         R"("OnlineSecurity":"No","OnlineBackup":"Yes","DeviceProtection":"No","TechSupport":"No",)"
         R"("StreamingTV":"Yes","StreamingMovies":"No","Contract":")" +
         contracts[i % 3] + R"(","PaperlessBilling":"Yes","PaymentMethod":")" + payments[i % 4] +
         R"(","MonthlyCharges":)" + std::to_string(20 + (i % 80) * 1.25) + R"(,"TotalCharges":")" +
         std::to_string(100 + i * 13.5) + R"("})";
}

std::string BatchBody() {
  std::string body = R"({"customers":[)";
  for (size_t i = 0; i < kBatch; ++i) {
    if (i > 0) body += ',';
    body += Customer(i);
  }
  return body + "]}";
}

std::string OipBody() {
  const Schema& schema = Schema::Telco();
  std::string body = R"({"id":"bench","inputs":[)";
  bool first = true;
  for (size_t c = 0; c < schema.num_columns(); ++c) {
    const ColumnSpec& spec = schema.column(c);
    if (spec.role == ColumnRole::kTarget) continue;
    if (!first) body += ',';
    first = false;
    const bool bytes = spec.type == ColumnType::kCategorical || spec.role == ColumnRole::kId;
    body += R"({"name":")" + spec.name + R"(","shape":[)" + std::to_string(kBatch) +
            R"(],"datatype":")" +
            (bytes                               ? "BYTES"
             : spec.type == ColumnType::kInteger ? "INT64"
                                                 : "FP64") +
            R"(","data":[)";
    for (size_t i = 0; i < kBatch; ++i) {
      if (i > 0) body += ',';
      if (spec.role == ColumnRole::kId) {
        body += "\"" + std::to_string(1000 + i) + "-ABCDE\"";
      } else if (bytes) {
        body += "\"" + spec.categories[i % spec.categories.size()] + "\"";
      } else if (spec.type == ColumnType::kInteger) {
        body += std::to_string(i % 2);
      } else {
        body += std::to_string(20 + (i % 80) * 1.25);
      }
    }
    body += "]}";
  }
  return body + "]}";
}

void PerCustomer(benchmark::State& state, size_t customers) {
  state.counters["ns_per_customer"] =
      benchmark::Counter(static_cast<double>(state.iterations() * customers) / 1e9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * customers));
}

void BM_PredictDecode(benchmark::State& state) {
  const PredictCodec codec(Schema::Telco());
  const std::string body = Customer(7);
  Dataset data(Schema::Telco());
  for (auto _ : state) {
    data.Clear();
    ApiResult<CustomerRecord> r = codec.DecodePredict(body, &data);
    benchmark::DoNotOptimize(r);
  }
  PerCustomer(state, 1);
}
BENCHMARK(BM_PredictDecode);

void BM_PredictRoundTrip(benchmark::State& state) {
  const Schema& schema = Schema::Telco();
  const PredictCodec codec(schema);
  const std::string body = Customer(7);
  std::string out;
  Dataset data(schema);  // the server reuses one per thread
  for (auto _ : state) {
    data.Clear();
    ApiResult<CustomerRecord> r = codec.DecodePredict(body, &data);
    out.clear();
    EncodePrediction(*r, {0.4217, 0}, {"churn", "12", ""}, &out);
    benchmark::DoNotOptimize(out.data());
  }
  PerCustomer(state, 1);
}
BENCHMARK(BM_PredictRoundTrip);

void BM_BatchRoundTrip(benchmark::State& state) {
  const Schema& schema = Schema::Telco();
  const PredictCodec codec(schema);
  const std::string body = BatchBody();
  const std::vector<Prediction> predictions(kBatch, Prediction{0.4217, 0});
  std::string out;
  Dataset data(schema);
  for (auto _ : state) {
    data.Clear();
    ApiResult<std::vector<CustomerRecord>> r = codec.DecodeBatch(body, 1000, &data);
    out.clear();
    EncodeBatch(*r, predictions, {"churn", "12", ""}, &out);
    benchmark::DoNotOptimize(out.data());
  }
  PerCustomer(state, kBatch);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_BatchRoundTrip);

void BM_OipRoundTrip(benchmark::State& state) {
  const Schema& schema = Schema::Telco();
  const OipCodec codec(schema);
  const std::string body = OipBody();
  const std::vector<Prediction> predictions(kBatch, Prediction{0.4217, 0});
  std::string out;
  Dataset data(schema);
  for (auto _ : state) {
    ApiResult<InferRequest> r = codec.DecodeInferRequest(body, 1000, &data);
    out.clear();
    EncodeInferResponse("churn", "12", *r, predictions, &out);
    benchmark::DoNotOptimize(out.data());
  }
  PerCustomer(state, kBatch);
}
BENCHMARK(BM_OipRoundTrip);

void BM_Authenticate(benchmark::State& state) {
  ApiKeySources sources;
  sources.keys =
      "bench-key-0123456789abcdef0123456789abcdef,bench-key-ffffffffffffffffffffffffffff";
  const ApiKeySet keys = std::move(ApiKeySet::Load(sources)).value();
  const std::string header = "Bearer bench-key-ffffffffffffffffffffffffffff";
  for (auto _ : state) benchmark::DoNotOptimize(keys.Authenticate(header));
}
BENCHMARK(BM_Authenticate);

// One limiter shared by the benchmark threads, as in the server.
void BM_RateLimiterAcquire(benchmark::State& state) {
  static RateLimiter* const limiter =
      std::move(RateLimiter::Create({.rate = 1e9, .burst = 1e9}, RealClock())).value().release();
  const std::string key = "key" + std::to_string(state.thread_index());
  for (auto _ : state) benchmark::DoNotOptimize(limiter->Acquire(key));
}
BENCHMARK(BM_RateLimiterAcquire)->Threads(1)->Threads(2);

// The pieces of BM_PredictRoundTrip: the response encoder alone, and the
// empty Dataset every request needs (Dataset(schema) copies the schema).
void BM_PredictEncode(benchmark::State& state) {
  const Schema& schema = Schema::Telco();
  Dataset data(schema);
  const CustomerRecord record = PredictCodec(schema).DecodePredict(Customer(7), &data).value();
  std::string out;
  for (auto _ : state) {
    out.clear();
    EncodePrediction(record, {0.4217, 0}, {"churn", "12", ""}, &out);
    benchmark::DoNotOptimize(out.data());
  }
  PerCustomer(state, 1);
}
BENCHMARK(BM_PredictEncode);

void BM_EmptyDataset(benchmark::State& state) {
  const Schema& schema = Schema::Telco();
  for (auto _ : state) {
    Dataset data(schema);
    benchmark::DoNotOptimize(data);
  }
}
BENCHMARK(BM_EmptyDataset);

void BM_BatchDecode(benchmark::State& state) {
  const PredictCodec codec(Schema::Telco());
  const std::string body = BatchBody();
  Dataset data(Schema::Telco());
  for (auto _ : state) {
    data.Clear();
    ApiResult<std::vector<CustomerRecord>> r = codec.DecodeBatch(body, 1000, &data);
    benchmark::DoNotOptimize(r);
  }
  PerCustomer(state, kBatch);
}
BENCHMARK(BM_BatchDecode);

}  // namespace
}  // namespace churnml::serving

BENCHMARK_MAIN();
