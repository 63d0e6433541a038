#include "pipeline/tune.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <thread>

#include "common/mutex.h"
#include "common/strings.h"
#include "data/csv_loader.h"
#include "eval/binary_metrics.h"
#include "eval/metric_info.h"
#include "pipeline/split.h"
#include "pipeline/train.h"

namespace churnml {
namespace {

using Clock = std::chrono::steady_clock;

// splitmix64: a portable stream of 64-bit values (the standard library's
// distributions differ between implementations; these draws must not).
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  uint64_t state_;
};

// The mean and standard deviation of the metric over stratified folds of `rows`.
Status CrossValidateTrial(const Dataset& rows, const TuneOptions& options,
                          const ModelRegistry& registry, TrialResult* result) {
  CHURNML_ASSIGN_OR_RETURN(std::vector<SplitIndices> folds,
                           StratifiedKFold(rows.target(), options.cv_folds, options.seed));
  TrainOptions train;
  train.model_kind = options.model_kind;
  train.hyperparameters = result->hyperparameters;
  train.preprocessing = options.preprocessing;
  train.seed = options.seed;
  std::vector<double> values;
  std::vector<double> probabilities;
  for (const SplitIndices& fold : folds) {
    const Dataset fold_train = rows.Select(fold.train);
    const Dataset fold_test = rows.Select(fold.test);
    CHURNML_ASSIGN_OR_RETURN(FittedModel fitted,
                             FitModel(fold_train, fold_test, train, registry, nullptr));
    CHURNML_RETURN_IF_ERROR(fitted.Predict(fold_test, &probabilities));
    CHURNML_ASSIGN_OR_RETURN(BinaryMetrics m,
                             ComputeBinaryMetrics(fold_test.target(), probabilities, 0.5));
    std::optional<double> value;
    for (const NamedMetric& named : ScalarMetrics(m)) {
      if (named.name == options.metric) value = named.value;
    }
    if (!value)
      return FailedPreconditionError("metric " + options.metric + " is undefined on a fold");
    values.push_back(*value);
  }
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  double var = 0;
  for (double v : values) var += (v - mean) * (v - mean);
  result->cv_metric = mean;
  result->cv_metric_std =
      values.size() > 1 ? std::sqrt(var / static_cast<double>(values.size() - 1)) : 0;
  return Status::Ok();
}

Status CheckOptions(const TuneOptions& o) {
  if (o.trials < 1 || o.trials > 100000) {
    return InvalidArgumentError("--trials must be in [1, 100000], got " + std::to_string(o.trials));
  }
  if (o.cv_folds < 2 || o.cv_folds > 20) {
    return InvalidArgumentError("--cv must be in [2, 20], got " + std::to_string(o.cv_folds));
  }
  if (!(o.budget_seconds >= 0) || !std::isfinite(o.budget_seconds)) {
    return InvalidArgumentError("--budget must be a non-negative duration");
  }
  if (o.eta < 2) return InvalidArgumentError("halving factor must be at least 2");
  if (!(o.test_size > 0 && o.test_size < 1)) {
    return InvalidArgumentError("--test-size must be between 0 and 1 (exclusive)");
  }
  const MetricInfo* info = FindMetric(o.metric);
  if (info == nullptr || o.metric == "train_seconds") {
    std::vector<std::string> names;
    for (const MetricInfo& m : MetricCatalog()) {
      if (m.name != "train_seconds") names.emplace_back(m.name);
    }
    return InvalidArgumentError("--metric " + o.metric.substr(0, 40) +
                                ": unknown metric; valid: " + Join(names, ", "));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<HalvingRung>> PlanHalving(int candidates, int64_t max_rows, int eta,
                                             int64_t min_rows) {
  if (candidates < 1 || eta < 2 || min_rows < 1 || max_rows < min_rows) {
    return InvalidArgumentError(
        "successive halving needs at least 1 candidate, a factor of at "
        "least 2 and at least " +
        std::to_string(min_rows) + " training rows (got " + std::to_string(max_rows) + ")");
  }
  // As many rungs as halvings leave a candidate: 27 with eta 3 → 27, 9, 3, 1.
  int rungs = 1;
  for (int64_t c = candidates; c >= eta; c /= eta) ++rungs;
  // Fewer rungs when the first would see under min_rows rows.
  auto first_rows = [&](int r) {
    int64_t rows = max_rows;
    for (int k = 1; k < r; ++k) rows /= eta;
    return rows;
  };
  while (rungs > 1 && first_rows(rungs) < min_rows) --rungs;
  std::vector<HalvingRung> plan;
  int64_t keep = candidates;
  for (int k = 0; k < rungs; ++k) {
    HalvingRung rung;
    rung.candidates = static_cast<int>(std::max<int64_t>(1, keep));
    rung.rows = first_rows(rungs - k);
    plan.push_back(rung);
    keep = (keep + eta - 1) / eta;
  }
  return plan;
}

std::vector<int> PromoteBest(std::vector<TrialScore> scores, int keep) {
  std::sort(scores.begin(), scores.end(), [](const TrialScore& a, const TrialScore& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.trial < b.trial;
  });
  std::vector<int> out;
  for (size_t i = 0; i < scores.size() && static_cast<int>(i) < keep; ++i) {
    out.push_back(scores[i].trial);
  }
  return out;
}

std::vector<nlohmann::json> SampleConfigurations(const HyperparameterSpace& space, int count,
                                                 uint64_t seed) {
  SplitMix rng(seed ^ 0x74756e65ULL);
  std::vector<nlohmann::json> out;
  for (int t = 0; t < count; ++t) {
    nlohmann::json config = nlohmann::json::object();
    for (const HyperparameterSpec& spec : space) {
      // Draw for every spec on every trial so a new declaration shifts no
      // other hyperparameter's draws in a surprising way.
      const double u = rng.Uniform();
      if (t == 0) continue;  // trial 0: the declared defaults
      if (spec.type == HyperparameterType::kString) {
        if (spec.search_choices.empty()) continue;
        const size_t i =
            std::min(spec.search_choices.size() - 1,
                     static_cast<size_t>(u * static_cast<double>(spec.search_choices.size())));
        config[spec.name] = spec.search_choices[i];
        continue;
      }
      if (spec.search == SearchScale::kNone) continue;
      double v = spec.search == SearchScale::kLog
                     ? std::exp(std::log(spec.search_min) +
                                u * (std::log(spec.search_max) - std::log(spec.search_min)))
                     : spec.search_min + u * (spec.search_max - spec.search_min);
      v = std::clamp(v, spec.search_min, spec.search_max);
      if (spec.type == HyperparameterType::kInt) {
        config[spec.name] = static_cast<int64_t>(std::llround(v));
      } else {
        config[spec.name] = v;
      }
    }
    out.push_back(std::move(config));
  }
  return out;
}

Status Tune(const TuneOptions& options, const ModelRegistry& registry, TuneReport* report) {
  const auto start = Clock::now();
  CHURNML_RETURN_IF_ERROR(CheckOptions(options));
  CHURNML_ASSIGN_OR_RETURN(const HyperparameterSpace* space,
                           registry.Hyperparameters(options.model_kind));
  const MetricGoal goal = FindMetric(options.metric)->goal;

  LoadOptions load;
  load.target = TargetPolicy::kRequired;
  load.invalid_rows = InvalidRowPolicy::kDrop;
  CHURNML_ASSIGN_OR_RETURN(LoadResult loaded,
                           LoadCsv(options.data_path.string(), options.schema, load));
  if (loaded.issues.count() > 0) {
    return FailedPreconditionError(FormatCount(loaded.issues.count()) + " problem(s) in " +
                                   options.data_path.string() +
                                   " (first: " + loaded.issues.issues().front().message +
                                   "); `churnml data validate` lists them");
  }
  // The same split as `train` with this seed: the test rows stay unseen.
  CHURNML_ASSIGN_OR_RETURN(
      SplitIndices split,
      StratifiedTrainTestSplit(loaded.dataset.target(), options.test_size, options.seed));
  const Dataset train = loaded.dataset.Select(split.train);
  report->train_rows = static_cast<int64_t>(train.num_rows());
  CHURNML_ASSIGN_OR_RETURN(report->plan,
                           PlanHalving(options.trials, report->train_rows, options.eta,
                                       std::min(options.min_rows, report->train_rows)));

  std::vector<nlohmann::json> configs = SampleConfigurations(*space, options.trials, options.seed);
  const bool has_seed = FindHyperparameter(*space, "seed") != nullptr;
  const bool has_threads = FindHyperparameter(*space, "threads") != nullptr;
  for (nlohmann::json& c : configs) {
    if (has_seed) c["seed"] = options.seed;
    if (has_threads) c["threads"] = 1;  // parallelism is across trials
  }

  const int parallelism = options.parallelism > 0
                              ? options.parallelism
                              : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const auto deadline = options.budget_seconds > 0
                            ? start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(options.budget_seconds))
                            : Clock::time_point::max();
  auto out_of_time = [&] {
    return (options.stop_requested && options.stop_requested()) || Clock::now() >= deadline;
  };

  std::vector<int> alive(configs.size());
  for (size_t i = 0; i < alive.size(); ++i) alive[i] = static_cast<int>(i);
  for (size_t r = 0; r < report->plan.size() && !alive.empty(); ++r) {
    const HalvingRung& rung = report->plan[r];
    // The rung's rows: a stratified, seeded share of the training split.
    Dataset rows = train;
    if (rung.rows < report->train_rows) {
      const double share = static_cast<double>(rung.rows) / static_cast<double>(report->train_rows);
      CHURNML_ASSIGN_OR_RETURN(
          SplitIndices part,
          StratifiedTrainTestSplit(train.target(), 1.0 - share, options.seed + r + 1));
      rows = train.Select(part.train);
    }
    // The defaults (trial 0) are carried to every rung as the baseline.
    std::vector<int> to_run = alive;
    if (std::find(to_run.begin(), to_run.end(), 0) == to_run.end()) to_run.push_back(0);
    std::vector<TrialResult> results(to_run.size());
    std::vector<char> ran(to_run.size(), 0);
    // Trials handed out and finished: workers take the next index and report
    // each trial that ran; this thread reports them in the order they end.
    struct Progress {
      Mutex mu;
      std::condition_variable cv;
      std::deque<size_t> finished CHURNML_GUARDED_BY(mu);
      size_t next CHURNML_GUARDED_BY(mu) = 0;
      size_t done CHURNML_GUARDED_BY(mu) = 0;
    } progress;
    auto worker = [&] {
      for (;;) {
        size_t i;
        {
          MutexLock lock(&progress.mu);
          if (progress.next >= to_run.size()) return;
          i = progress.next++;
        }
        if (!out_of_time()) {
          TrialResult& res = results[i];
          res.trial = to_run[i];
          res.rung = static_cast<int>(r);
          res.rows = static_cast<int64_t>(rows.num_rows());
          res.hyperparameters = configs[static_cast<size_t>(to_run[i])];
          const auto t0 = Clock::now();
          Status s = CrossValidateTrial(rows, options, registry, &res);
          if (!s.ok()) {
            res.cv_metric.reset();
            res.error = s.message();
          }
          res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
          ran[i] = 1;
        }
        MutexLock lock(&progress.mu);
        ++progress.done;
        if (ran[i]) progress.finished.push_back(i);
        progress.cv.notify_all();
      }
    };
    std::vector<std::thread> threads;
    const int n_threads = std::min<int>(parallelism, static_cast<int>(to_run.size()));
    threads.reserve(static_cast<size_t>(std::max(n_threads, 0)));
    for (int t = 0; t < n_threads; ++t) threads.emplace_back(worker);
    for (;;) {
      std::deque<size_t> ready;  // reported outside the lock
      {
        MutexLock lock(&progress.mu);
        while (progress.finished.empty() && progress.done < to_run.size()) {
          progress.mu.Wait(progress.cv);
        }
        if (progress.finished.empty()) break;  // every trial is done and reported
        ready.swap(progress.finished);
      }
      for (const size_t i : ready) {
        report->results.push_back(results[i]);
        if (options.on_trial) options.on_trial(results[i]);
      }
    }
    for (std::thread& t : threads) t.join();

    std::vector<TrialScore> scores;
    bool complete = true;
    for (size_t i = 0; i < to_run.size(); ++i) {
      if (!ran[i]) complete = false;
      // The baseline competes only when it earned its place on this rung.
      const bool candidate = std::find(alive.begin(), alive.end(), to_run[i]) != alive.end();
      if (ran[i] && results[i].cv_metric && candidate) {
        const double v = *results[i].cv_metric;
        scores.push_back({to_run[i], goal == MetricGoal::kMaximize ? v : -v});
      }
    }
    if (!scores.empty()) {
      report->rungs_done = static_cast<int>(r) + 1;
      const int best = PromoteBest(scores, 1).front();
      for (size_t i = 0; i < to_run.size(); ++i) {
        if (to_run[i] == best) report->best = results[i];
        if (to_run[i] == 0 && ran[i] && results[i].cv_metric) report->baseline = results[i];
      }
    }
    if (!complete) {
      report->stopped = true;
      break;
    }
    if (r + 1 < report->plan.size()) alive = PromoteBest(scores, report->plan[r + 1].candidates);
  }
  report->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!report->best) {
    if (report->stopped) {
      return DeadlineExceededError("tune stopped before any trial finished");
    }
    std::string why = report->results.empty() ? "" : report->results.front().error;
    return FailedPreconditionError("every trial failed" +
                                   (why.empty() ? "" : " (first: " + why + ")"));
  }
  return Status::Ok();
}

}  // namespace churnml
