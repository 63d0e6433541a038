// Google Benchmark for the features and models layers on Telco-schema data:
// Preprocessor::Transform, logistic and XGBoost PredictProba (100k rows), and
// the logistic (100k and 1M rows) and XGBoost (100k rows) fits.
//
// The Dataset is built here with a splitmix64 generator and a churn signal
// driven by contract, tenure, internet service, payment method and charges,
// so this benchmark depends only on the schema, not on the data generator.
// The XGBoost benchmarks (2 threads) report rates from wall time; the others
// are single-threaded and report them from CPU time, which is steadier when
// other work shares the machine.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/schema.h"
#include "features/preprocessor.h"
#include "models/logistic_regression.h"
#include "models/xgboost_model.h"

namespace churnml {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Uniform(uint64_t& state) { return static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53; }

Dataset MakeTelco(size_t rows, uint64_t seed) {
  const Schema& schema = Schema::Telco();
  Dataset d(schema);
  uint64_t state = seed;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < schema.num_columns(); ++i) index[schema.column(i).name] = i;
  for (size_t f : schema.feature_indices()) {
    ColumnData& c = d.mutable_column(f);
    if (schema.column(f).type == ColumnType::kCategorical) {
      c.codes.resize(rows);
      const auto levels = static_cast<uint64_t>(c.levels.size());
      for (size_t r = 0; r < rows; ++r)
        c.codes[r] = static_cast<int32_t>(SplitMix64(state) % levels);
    } else {
      c.numbers.resize(rows);
    }
  }
  std::vector<double>& tenure = d.mutable_column(index["tenure"]).numbers;
  std::vector<double>& monthly = d.mutable_column(index["MonthlyCharges"]).numbers;
  std::vector<double>& total = d.mutable_column(index["TotalCharges"]).numbers;
  std::vector<double>& senior = d.mutable_column(index["SeniorCitizen"]).numbers;
  const std::vector<int32_t>& contract = d.column(index["Contract"]).codes;
  const std::vector<int32_t>& internet = d.column(index["InternetService"]).codes;
  const std::vector<int32_t>& payment = d.column(index["PaymentMethod"]).codes;
  std::vector<uint8_t>& target = d.mutable_target();
  target.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    tenure[r] = std::floor(Uniform(state) * 73.0);
    monthly[r] = std::round((18.0 + Uniform(state) * 101.0) * 100.0) / 100.0;
    total[r] = tenure[r] == 0 ? kMissingNumber : tenure[r] * monthly[r];
    senior[r] = Uniform(state) < 0.16 ? 1.0 : 0.0;
    const double logit = -1.6 + 1.4 * (contract[r] == 0) - 0.035 * tenure[r] +
                         0.9 * (internet[r] == 1) + 0.6 * (payment[r] == 0) +
                         0.012 * (monthly[r] - 65.0) + 0.3 * senior[r];
    target[r] = Uniform(state) < 1.0 / (1.0 + std::exp(-logit)) ? 1 : 0;
    d.mutable_ids().push_back("C" + std::to_string(r));
  }
  d.set_num_rows(rows);
  return d;
}

struct Fixture {
  Dataset data;
  Preprocessor preprocessor;
  FeatureMatrix features;
};

const Fixture& Get(size_t rows) {
  static std::map<size_t, std::unique_ptr<Fixture>>* cache =
      new std::map<size_t, std::unique_ptr<Fixture>>();
  auto& slot = (*cache)[rows];
  if (!slot) {
    slot = std::make_unique<Fixture>();
    slot->data = MakeTelco(rows, 7);
    slot->preprocessor = *Preprocessor::Fit(slot->data, {});
    slot->features = *slot->preprocessor.Transform(slot->data);
  }
  return *slot;
}

void BM_PreprocessorTransform(benchmark::State& state) {
  const Fixture& f = Get(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    Result<FeatureMatrix> m = f.preprocessor.Transform(f.data);
    benchmark::DoNotOptimize(m.value().values().data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["features"] = static_cast<double>(f.preprocessor.num_features());
}
BENCHMARK(BM_PreprocessorTransform)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_LogisticPredictProba(benchmark::State& state) {
  const Fixture& f = Get(static_cast<size_t>(state.range(0)));
  auto model = *LogisticRegression::Train(f.features, f.data.target(), {});
  std::vector<double> out(f.features.rows());
  for (auto _ : state) {
    Status s = model->PredictProba(f.features, out);
    benchmark::DoNotOptimize(out.data());
    s.IgnoreError();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LogisticPredictProba)->Arg(100000)->Unit(benchmark::kMillisecond);

XGBoostOptions BenchXgbOptions() {
  XGBoostOptions o;  // 100 trees, depth 6, learning rate 0.3
  o.threads = 2;
  return o;
}

void BM_XGBoostPredictProba(benchmark::State& state) {
  const Fixture& f = Get(static_cast<size_t>(state.range(0)));
  auto model = *XGBoostModel::Train(f.features, f.data.target(), BenchXgbOptions());
  std::vector<double> out(f.features.rows());
  for (auto _ : state) {
    Status s = model->PredictProba(f.features, out);
    benchmark::DoNotOptimize(out.data());
    s.IgnoreError();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_XGBoostPredictProba)->Arg(100000)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_LogisticFit(benchmark::State& state) {
  const Fixture& f = Get(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto model = LogisticRegression::Train(f.features, f.data.target(), {});
    benchmark::DoNotOptimize(model.value()->intercept());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LogisticFit)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LogisticFit)->Arg(1000000)->Iterations(3)->Unit(benchmark::kMillisecond);

void BM_XGBoostFit(benchmark::State& state) {
  const Fixture& f = Get(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto model = XGBoostModel::Train(f.features, f.data.target(), BenchXgbOptions());
    benchmark::DoNotOptimize(model.value()->num_features());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_XGBoostFit)->Arg(100000)->Iterations(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace churnml

BENCHMARK_MAIN();
