// Google Benchmark for the eval layer: ComputeBinaryMetrics on up to 1M rows.
// Data is generated here (splitmix64) so the benchmark depends on no other
// layer: labels ~26% positive, scores correlated with the label.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "eval/binary_metrics.h"

namespace {

struct Rows {
  std::vector<uint8_t> labels;
  std::vector<double> scores;
};

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Uniform(uint64_t& state) { return static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53; }

// `decimals` > 0 rounds scores, producing many ties (like a model with few
// distinct outputs, e.g. shallow trees).
Rows MakeRows(int64_t n, int decimals) {
  Rows rows;
  rows.labels.resize(n);
  rows.scores.resize(n);
  uint64_t state = 42;
  const double scale = std::pow(10.0, decimals);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t label = Uniform(state) < 0.26 ? 1 : 0;
    double score =
        std::clamp(0.35 * Uniform(state) + 0.3 * Uniform(state) + 0.35 * label, 0.0, 1.0);
    if (decimals > 0) score = std::round(score * scale) / scale;
    rows.labels[i] = label;
    rows.scores[i] = score;
  }
  return rows;
}

void BM_ComputeBinaryMetrics(benchmark::State& state) {
  const Rows rows = MakeRows(state.range(0), 0);
  for (auto _ : state) {
    auto metrics = churnml::ComputeBinaryMetrics(rows.labels, rows.scores, 0.5);
    benchmark::DoNotOptimize(metrics);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ComputeBinaryMetrics)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);

void BM_ComputeBinaryMetricsTiedScores(benchmark::State& state) {
  const Rows rows = MakeRows(state.range(0), 3);
  for (auto _ : state) {
    auto metrics = churnml::ComputeBinaryMetrics(rows.labels, rows.scores, 0.5);
    benchmark::DoNotOptimize(metrics);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ComputeBinaryMetricsTiedScores)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_RocAuc(benchmark::State& state) {
  const Rows rows = MakeRows(state.range(0), 0);
  for (auto _ : state) {
    auto auc = churnml::RocAuc(rows.labels, rows.scores);
    benchmark::DoNotOptimize(auc);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RocAuc)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
