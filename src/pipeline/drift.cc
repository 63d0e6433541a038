#include "pipeline/drift.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <numeric>
#include <thread>

#include "common/strings.h"
#include "data/csv_loader.h"
#include "eval/metrics_json.h"

namespace churnml {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Status CheckThreshold(const DriftThreshold& t, const std::string& what) {
  if (!(t.psi > 0) || !std::isfinite(t.psi)) {
    return InvalidArgumentError(what + ": psi threshold must be a positive number");
  }
  if (!(t.alpha > 0 && t.alpha < 1)) {
    return InvalidArgumentError(what + ": alpha must be in (0, 1)");
  }
  return Status::Ok();
}

Result<HistogramDrift> CompareHistograms(const Histogram& reference, const Histogram& current,
                                         const DriftThreshold& threshold) {
  HistogramDrift d;
  d.name = reference.name;
  d.kind = reference.kind;
  d.test = reference.kind == HistogramKind::kNumeric ? "ks" : "chi_square";
  d.threshold = threshold;
  d.reference = reference;
  d.current = current;
  d.reference_missing_rate = reference.MissingRate();
  d.current_missing_rate = current.MissingRate();
  if (reference.Total() == 0 || current.Total() == 0) return d;  // nothing to compare
  CHURNML_ASSIGN_OR_RETURN(d.psi, PopulationStabilityIndex(reference.counts, current.counts));
  CHURNML_ASSIGN_OR_RETURN(d.js_distance, JensenShannonDistance(reference.counts, current.counts));
  if (reference.kind == HistogramKind::kNumeric) {
    // KS needs ordered bins: the value bins in order, the missing bin last
    // (a change in the missing rate then shows as a gap at the end), which
    // is how the counts are laid out.
    CHURNML_ASSIGN_OR_RETURN(d.result, KolmogorovSmirnovFromBins(reference.counts, current.counts));
  } else {
    CHURNML_ASSIGN_OR_RETURN(d.result, ChiSquareFromBins(reference.counts, current.counts));
  }
  d.drifted = d.psi >= threshold.psi && d.result.p_value < threshold.alpha;
  return d;
}

nlohmann::json HistogramDriftJson(const HistogramDrift& d) {
  nlohmann::json j = {{"name", d.name},
                      {"kind", d.kind == HistogramKind::kNumeric ? "numeric" : "categorical"},
                      {"psi", d.psi},
                      {"js_distance", d.js_distance},
                      {"test", d.test},
                      {"statistic", d.result.statistic},
                      {"p_value", d.result.p_value},
                      {"reference_missing_rate", d.reference_missing_rate},
                      {"current_missing_rate", d.current_missing_rate},
                      {"psi_threshold", d.threshold.psi},
                      {"alpha", d.threshold.alpha},
                      {"drifted", d.drifted},
                      {"reference_counts", d.reference.counts},
                      {"current_counts", d.current.counts}};
  if (d.test == "chi_square") j["dof"] = d.result.dof;
  if (d.kind == HistogramKind::kNumeric) {
    j["edges"] = d.reference.edges;
  } else {
    j["levels"] = d.reference.levels;
  }
  return j;
}

}  // namespace

Status ValidateDriftRules(const DriftRules& rules, const ReferenceProfile& reference) {
  CHURNML_RETURN_IF_ERROR(CheckThreshold(rules.feature, "default feature threshold"));
  CHURNML_RETURN_IF_ERROR(CheckThreshold(rules.score, "score threshold"));
  if (!(rules.share_threshold > 0 && rules.share_threshold <= 1)) {
    return InvalidArgumentError("the drifted-feature share threshold must be in (0, 1]");
  }
  for (const auto& [name, threshold] : rules.features) {
    if (reference.FeatureIndex(name) < 0) {
      std::vector<std::string> names;
      for (const Histogram& h : reference.features) names.push_back(h.name);
      return InvalidArgumentError("threshold for unknown feature \"" + name +
                                  "\" (profiled features: " + Join(names, ", ") + ")");
    }
    CHURNML_RETURN_IF_ERROR(CheckThreshold(threshold, "feature \"" + name + "\""));
  }
  return Status::Ok();
}

Result<DriftComparison> CompareProfiles(const ReferenceProfile& reference,
                                        const ReferenceProfile& current, const DriftRules& rules) {
  if (reference.features.size() != current.features.size()) {
    return InvalidArgumentError("profiles have " + std::to_string(reference.features.size()) +
                                " and " + std::to_string(current.features.size()) + " features");
  }
  DriftComparison c;
  c.reference_rows = reference.rows;
  c.current_rows = current.rows;
  c.reference_label_rate = reference.label_rate;
  if (current.positives > 0 || current.label_rate > 0) c.current_label_rate = current.label_rate;
  for (size_t i = 0; i < reference.features.size(); ++i) {
    const Histogram& ref = reference.features[i];
    const Histogram& cur = current.features[i];
    if (ref.name != cur.name || ref.counts.size() != cur.counts.size() || ref.edges != cur.edges ||
        ref.levels != cur.levels) {
      return InvalidArgumentError("feature \"" + ref.name + "\" is binned differently in the " +
                                  "current profile");
    }
    auto it = rules.features.find(ref.name);
    const DriftThreshold& threshold = it == rules.features.end() ? rules.feature : it->second;
    CHURNML_ASSIGN_OR_RETURN(HistogramDrift d, CompareHistograms(ref, cur, threshold));
    if (d.drifted) ++c.drifted_features;
    c.features.push_back(std::move(d));
  }
  c.drifted_share = c.features.empty() ? 0.0
                                       : static_cast<double>(c.drifted_features) /
                                             static_cast<double>(c.features.size());
  if (reference.score.Total() > 0 && current.score.Total() > 0) {
    if (reference.score.edges != current.score.edges) {
      return InvalidArgumentError("the score is binned differently in the current profile");
    }
    CHURNML_ASSIGN_OR_RETURN(c.score,
                             CompareHistograms(reference.score, current.score, rules.score));
    c.score_drifted = c.score->drifted;
  }
  c.dataset_drifted =
      c.score_drifted || (!c.features.empty() && c.drifted_share >= rules.share_threshold);
  return c;
}

Status ScoreInChunks(const ModelArtifact& artifact, const Dataset& data,
                     std::vector<double>* scores, size_t chunk_rows, int threads) {
  const size_t n = data.num_rows();
  scores->assign(n, 0.0);
  if (n == 0) return Status::Ok();
  chunk_rows = std::max<size_t>(chunk_rows, 1);
  const size_t chunks = (n + chunk_rows - 1) / chunk_rows;
  size_t workers = threads > 0 ? static_cast<size_t>(threads)
                               : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, chunks);
  std::vector<Status> errors(workers);
  auto work = [&](size_t w) {
    std::vector<size_t> rows;
    std::vector<double> part;
    for (size_t c = w; c < chunks; c += workers) {
      const size_t begin = c * chunk_rows;
      const size_t end = std::min(n, begin + chunk_rows);
      rows.resize(end - begin);
      std::iota(rows.begin(), rows.end(), begin);
      Status s = artifact.PredictProba(data.Select(rows), &part);
      if (!s.ok()) {
        errors[w] = s;
        return;
      }
      std::copy(part.begin(), part.end(), scores->begin() + static_cast<std::ptrdiff_t>(begin));
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (std::thread& t : pool) t.join();
  for (const Status& s : errors) CHURNML_RETURN_IF_ERROR(s);
  return Status::Ok();
}

Result<ReferenceProfile> LoadReferenceProfile(const ModelArtifact& artifact) {
  Result<std::string_view> text = artifact.File(kProfileFileName);
  if (!text.ok()) {
    return NotFoundError(
        "the model has no reference profile (profile.json): it was trained by a churnml "
        "without drift profiles; retrain it to measure drift");
  }
  Result<ReferenceProfile> profile = ReferenceProfile::Parse(*text);
  if (!profile.ok()) return profile.status().WithContext(kProfileFileName);
  return profile;
}

Status MeasureDrift(const ModelArtifact& artifact, const ReferenceProfile& reference,
                    const DriftOptions& options, DriftReport* report) {
  CHURNML_RETURN_IF_ERROR(ValidateDriftRules(options.rules, reference));
  report->data_path = options.data_path.string();
  auto stage = Clock::now();
  LoadOptions load;
  load.target = TargetPolicy::kOptional;
  load.invalid_rows = InvalidRowPolicy::kDrop;
  load.max_issues = options.max_issues;
  CHURNML_ASSIGN_OR_RETURN(LoadResult loaded,
                           LoadCsv(options.data_path.string(), artifact.schema(), load));
  report->rows_read = loaded.rows_read;
  report->rows_dropped = loaded.rows_dropped;
  report->issues = loaded.issues;
  const Dataset& data = loaded.dataset;
  if (data.num_rows() == 0) {
    return FailedPreconditionError(options.data_path.string() +
                                   " has no valid rows to compare with the reference");
  }
  report->load_seconds = SecondsSince(stage);

  stage = Clock::now();
  std::vector<double> scores;
  CHURNML_RETURN_IF_ERROR(ScoreInChunks(artifact, data, &scores));
  report->mean_score =
      std::accumulate(scores.begin(), scores.end(), 0.0) / static_cast<double>(scores.size());
  const bool labelled = !data.target().empty();
  if (labelled) {
    CHURNML_ASSIGN_OR_RETURN(report->current_metrics,
                             ComputeBinaryMetrics(data.target(), scores, artifact.threshold()));
    const nlohmann::json& metadata = artifact.metadata();
    if (metadata.contains("metrics")) {
      Result<BinaryMetrics> training = BinaryMetricsFromJson(metadata["metrics"]);
      if (training.ok()) report->training_metrics = *training;
    }
  }
  report->score_seconds = SecondsSince(stage);

  stage = Clock::now();
  CHURNML_ASSIGN_OR_RETURN(ReferenceProfile current, BinLikeReference(reference, data, scores));
  CHURNML_ASSIGN_OR_RETURN(report->comparison, CompareProfiles(reference, current, options.rules));
  if (labelled) report->comparison.current_label_rate = current.label_rate;
  report->compare_seconds = SecondsSince(stage);
  return Status::Ok();
}

nlohmann::json DriftComparisonJson(const DriftComparison& c) {
  nlohmann::json features = nlohmann::json::array();
  for (const HistogramDrift& d : c.features) features.push_back(HistogramDriftJson(d));
  return {{"dataset_drift", c.dataset_drifted},
          {"drifted_features", c.drifted_features},
          {"features_total", c.features.size()},
          {"drifted_share", c.drifted_share},
          {"score_drift", c.score_drifted},
          {"reference_rows", c.reference_rows},
          {"current_rows", c.current_rows},
          {"reference_label_rate", c.reference_label_rate},
          {"current_label_rate",
           c.current_label_rate ? nlohmann::json(*c.current_label_rate) : nlohmann::json(nullptr)},
          {"score", c.score ? HistogramDriftJson(*c.score) : nlohmann::json(nullptr)},
          {"features", std::move(features)}};
}

nlohmann::json DriftReportJson(const DriftReport& r) {
  nlohmann::json j = DriftComparisonJson(r.comparison);
  j["data"] = r.data_path;
  j["rows_read"] = r.rows_read;
  j["rows_dropped"] = r.rows_dropped;
  j["mean_score"] = r.mean_score;
  j["metrics"] = {
      {"current", r.current_metrics ? ToJson(*r.current_metrics) : nlohmann::json(nullptr)},
      {"training", r.training_metrics ? ToJson(*r.training_metrics) : nlohmann::json(nullptr)}};
  j["timings"] = {{"load_seconds", r.load_seconds},
                  {"score_seconds", r.score_seconds},
                  {"compare_seconds", r.compare_seconds}};
  return j;
}

}  // namespace churnml
