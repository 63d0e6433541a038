// Google Benchmark for the tracking store, on SQLite and — when
// CHURNML_TEST_PG_URI is set (scripts/with_postgres.sh) — PostgreSQL:
//   - LogMetricBatch1000: one LogMetrics call of 1,000 metrics (one transaction)
//   - LogMetrics10k: 10,000 metrics to one run, as ten batches of 1,000
//   - ListRuns10k: 10,000 runs, filter "metrics.roc_auc > 0.7 and params.model =
//     'xgboost'" ordered by "metrics.roc_auc desc" (all matches, and the top 50)
//   - ResolveAlias: NAME@ALIAS → artifact directory
//
//   scripts/with_postgres.sh build-bench/bench/tracking_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "tracking/names.h"
#include "tracking/sql_connection.h"
#include "tracking/tracking_store.h"

namespace churnml::tracking {
namespace {

namespace fs = std::filesystem;

constexpr int kRuns = 10000;

// One store per backend and purpose, created on first use and removed at exit.
class BenchStores {
 public:
  ~BenchStores() {
    stores_.clear();
    if (!admin_uri_.empty()) {
      auto admin = OpenPostgresConnection({admin_uri_, std::chrono::seconds(10)});
      for (const std::string& db : databases_) {
        if (admin.ok())
          (*admin)->ExecScript("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)").IgnoreError();
      }
    }
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  TrackingStore* Get(const std::string& backend, const std::string& purpose) {
    std::string key = backend + "/" + purpose;
    auto it = stores_.find(key);
    if (it != stores_.end()) return it->second.get();
    StoreOptions options;
    options.artifact_root = root_ / key / "artifacts";
    if (backend == "sqlite") {
      options.uri = (root_ / key).string();
    } else {
      admin_uri_ = std::getenv("CHURNML_TEST_PG_URI");
      std::string db = "churnml_bench_" + purpose + "_" + NewRunId().substr(0, 8);
      auto admin = OpenPostgresConnection({admin_uri_, std::chrono::seconds(10)});
      if (!admin.ok() || !(*admin)->ExecScript("CREATE DATABASE " + db).ok()) return nullptr;
      databases_.push_back(db);
      options.uri = admin_uri_.substr(0, admin_uri_.rfind('/')) + "/" + db;
    }
    auto store = TrackingStore::Open(options);
    if (!store.ok()) return nullptr;
    return (stores_[key] = std::move(store).value()).get();
  }

 private:
  fs::path root_ =
      fs::temp_directory_path() / ("churnml-tracking-bench-" + std::to_string(::getpid()));
  std::string admin_uri_;
  std::vector<std::string> databases_;
  std::map<std::string, std::unique_ptr<TrackingStore>> stores_;
};

BenchStores& Stores() {
  static BenchStores stores;
  return stores;
}

std::vector<Metric> Batch(int n, int64_t first_step) {
  std::vector<Metric> batch;
  batch.reserve(n);
  for (int i = 0; i < n; ++i) {
    batch.push_back({"train/logloss", 1.0 / (first_step + i + 1), first_step + i, 0});
  }
  return batch;
}

void LogMetricBatch1000(benchmark::State& state, const std::string& backend) {
  TrackingStore* store = Stores().Get(backend, "log1000");
  if (store == nullptr) return state.SkipWithError("cannot open store");
  auto run = store->CreateRun("bench");
  int64_t step = 0;
  for (auto _ : state) {
    Status s = store->LogMetrics(*run, Batch(1000, step));
    if (!s.ok()) return state.SkipWithError(s.ToString().c_str());
    step += 1000;
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}

void LogMetrics10k(benchmark::State& state, const std::string& backend) {
  TrackingStore* store = Stores().Get(backend, "log10k");
  if (store == nullptr) return state.SkipWithError("cannot open store");
  for (auto _ : state) {
    auto run = store->CreateRun("bench");
    for (int b = 0; b < 10; ++b) {
      Status s = store->LogMetrics(*run, Batch(1000, b * 1000));
      if (!s.ok()) return state.SkipWithError(s.ToString().c_str());
    }
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}

TrackingStore* StoreWith10kRuns(const std::string& backend) {
  static std::map<std::string, bool> filled;
  TrackingStore* store = Stores().Get(backend, "list");
  if (store == nullptr || filled[backend]) return store;
  for (int i = 0; i < kRuns; ++i) {
    auto run = store->CreateRun(i % 2 == 0 ? "bench-a" : "bench-b");
    if (!run.ok()) return nullptr;
    double auc = 0.5 + 0.5 * ((i * 7919) % kRuns) / kRuns;
    if (!store
             ->LogParams(*run, {{"model", i % 3 == 0 ? "logistic" : "xgboost"},
                                {"seed", std::to_string(i)}})
             .ok() ||
        !store->LogMetrics(*run, {{"roc_auc", auc, 0, 0}, {"logloss", 1 - auc, 0, 0}}).ok() ||
        !store->FinishRun(*run, RunStatus::kFinished).ok()) {
      return nullptr;
    }
  }
  filled[backend] = true;
  return store;
}

void ListRuns10k(benchmark::State& state, const std::string& backend) {
  TrackingStore* store = StoreWith10kRuns(backend);
  if (store == nullptr) return state.SkipWithError("cannot fill store");
  RunQuery query;
  query.filter = "metrics.roc_auc > 0.7 and params.model = 'xgboost'";
  query.order_by = "metrics.roc_auc desc";
  query.limit = state.range(0);
  size_t rows = 0;
  for (auto _ : state) {
    auto runs = store->ListRuns(query);
    if (!runs.ok()) return state.SkipWithError(runs.status().ToString().c_str());
    rows = runs->size();
    benchmark::DoNotOptimize(runs);
  }
  state.counters["rows"] = static_cast<double>(rows);
}

void ResolveAlias(benchmark::State& state, const std::string& backend) {
  TrackingStore* store = Stores().Get(backend, "alias");
  if (store == nullptr) return state.SkipWithError("cannot open store");
  auto run = store->CreateRun("bench");
  fs::path local =
      fs::temp_directory_path() / ("churnml-bench-model-" + std::to_string(::getpid()));
  fs::create_directories(local);
  std::ofstream(local / "model.json") << "{}";
  if (!store->StoreArtifact(*run, local).ok()) return state.SkipWithError("cannot store artifact");
  std::error_code ec;
  fs::remove_all(local, ec);
  auto version = store->RegisterModelVersion("churn", *run);
  if (!version.ok() || !store->SetAlias("churn", "champion", *version).ok()) {
    return state.SkipWithError("cannot register");
  }
  for (auto _ : state) {
    auto path = store->ResolveModelUri("churn@champion");
    if (!path.ok()) return state.SkipWithError(path.status().ToString().c_str());
    benchmark::DoNotOptimize(path);
  }
}

void RegisterAll() {
  std::vector<std::string> backends = {"sqlite"};
  const char* pg = std::getenv("CHURNML_TEST_PG_URI");
  if (pg != nullptr && *pg != '\0') backends.push_back("postgres");
  for (const std::string& b : backends) {
    benchmark::RegisterBenchmark(("LogMetricBatch1000/" + b).c_str(), LogMetricBatch1000, b)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("LogMetrics10k/" + b).c_str(), LogMetrics10k, b)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("ListRuns10k/" + b).c_str(), ListRuns10k, b)
        ->Arg(0)
        ->Arg(50)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("ResolveAlias/" + b).c_str(), ResolveAlias, b)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace churnml::tracking

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  churnml::tracking::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
