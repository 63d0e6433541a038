// The hot-path cost of live drift (docs/benchmarks.md, "Live drift"):
// LiveDrift::Record for one customer (a /predict request) and for a batch of
// 100, beside the model call it follows (PredictProba on the same rows).
// Trains a logistic model on 2,000 generated customers first.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "data/csv_loader.h"
#include "data/synthetic_generator.h"
#include "models/model_files.h"
#include "pipeline/drift.h"
#include "pipeline/train.h"
#include "serving/live_drift.h"

namespace churnml::serving {
namespace {

struct Fixture {
  ModelRegistry registry;
  std::shared_ptr<const ServedModel> model;
  std::shared_ptr<const ReferenceProfile> profile;
  Dataset one;
  Dataset hundred;
  std::vector<double> one_scores;
  std::vector<double> hundred_scores;

  static Fixture& Get() {
    static Fixture* fixture = new Fixture();
    return *fixture;
  }

  Dataset Rows(const std::string& path, int64_t rows, std::vector<double>* scores) {
    if (!GenerateCsv(path, {.rows = rows, .seed = 9, .shift = 0.5}).ok()) std::abort();
    auto loaded = LoadCsv(path, model->artifact->schema());
    if (!loaded.ok()) std::abort();
    if (!ScoreInChunks(*model->artifact, loaded->dataset, scores).ok()) std::abort();
    return std::move(loaded->dataset);
  }

  Fixture() : one(Schema{}), hundred(Schema{}) {
    auto dir = std::filesystem::temp_directory_path() / "churnml-live-drift-bench";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    if (!RegisterBuiltinModels(registry).ok()) std::abort();
    if (!GenerateCsv((dir / "train.csv").string(), {.rows = 2000, .seed = 1}).ok()) std::abort();
    TrainOptions options;
    options.data_path = (dir / "train.csv").string();
    options.model_kind = "logistic";
    options.out_dir = dir / "model";
    TrainReport report;
    if (!Train(options, registry, &report).ok()) std::abort();
    auto artifact = ModelArtifact::Load(options.out_dir, registry);
    if (!artifact.ok()) std::abort();
    const Schema& schema = (*artifact)->schema();
    model = std::make_shared<const ServedModel>(
        ServedModel{.name = "churn",
                    .version = "1",
                    .kind = "logistic",
                    .path = {},
                    .artifact = *artifact,
                    .converter = RowConverter::ForSchema(schema, TargetPolicy::kIgnore),
                    .codec = nullptr,
                    .oip = nullptr,
                    .loaded_at = {}});
    auto loaded_profile = LoadReferenceProfile(*model->artifact);
    if (!loaded_profile.ok()) std::abort();
    profile = std::make_shared<const ReferenceProfile>(std::move(loaded_profile).value());
    one = Rows((dir / "one.csv").string(), 1, &one_scores);
    hundred = Rows((dir / "hundred.csv").string(), 100, &hundred_scores);
    std::filesystem::remove_all(dir);
  }
};

LiveDrift& Drift() {
  static LiveDrift* drift = [] {
    auto* d = new LiveDrift(LiveDriftOptions{}, RealClock());
    d->Restart(Fixture::Get().model, Fixture::Get().profile, "");
    return d;
  }();
  return *drift;
}

void RecordOneCustomer(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  LiveDrift& drift = Drift();
  for (auto _ : state) drift.Record(*f.model, f.one, f.one_scores);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(RecordOneCustomer)->Threads(1)->Threads(2)->UseRealTime();

void RecordBatchOf100(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  LiveDrift& drift = Drift();
  for (auto _ : state) drift.Record(*f.model, f.hundred, f.hundred_scores);
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(RecordBatchOf100)->Threads(1)->Threads(2)->UseRealTime();

void PredictOneCustomer(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  std::vector<double> scores;
  for (auto _ : state) {
    if (!f.model->artifact->PredictProba(f.one, &scores).ok()) state.SkipWithError("predict");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(PredictOneCustomer);

void PredictBatchOf100(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  std::vector<double> scores;
  for (auto _ : state) {
    if (!f.model->artifact->PredictProba(f.hundred, &scores).ok()) state.SkipWithError("predict");
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(PredictBatchOf100);

void ScrapeSnapshot(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  LiveDrift& drift = Drift();
  drift.Record(*f.model, f.hundred, f.hundred_scores);
  for (auto _ : state) benchmark::DoNotOptimize(drift.Snapshot());
}
BENCHMARK(ScrapeSnapshot);

}  // namespace
}  // namespace churnml::serving

BENCHMARK_MAIN();
