#include "pipeline/explanations.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "models/contributions.h"
#include "models/logistic_regression.h"
#include "pipeline/reference_profile.h"

namespace churnml {

namespace {

// Training mean of every encoded column (see the header): 0 for
// standardized numbers, the share of the level for a one-hot column.
Result<std::vector<double>> ColumnMeans(const ModelArtifact& artifact) {
  const Preprocessor& pre = artifact.preprocessor();
  std::vector<double> means(pre.num_features(), 0.0);
  Result<std::string_view> text = artifact.File(kProfileFileName);
  if (!text.ok()) {
    return FailedPreconditionError(
        "this logistic model has no reference profile (profile.json), which explanations need "
        "for the training share of each category; retrain it with this version");
  }
  Result<ReferenceProfile> profile = ReferenceProfile::Parse(*text);
  if (!profile.ok()) return profile.status().WithContext(kProfileFileName);
  for (const FeatureColumnTransform& column : pre.columns()) {
    if (column.type != ColumnType::kCategorical) continue;
    const int index = profile->FeatureIndex(column.name);
    if (index < 0 || profile->features[index].kind != HistogramKind::kCategorical) {
      return InvalidArgumentError(std::string(kProfileFileName) +
                                  ": no categorical histogram of \"" + column.name +
                                  "\", which explanations need");
    }
    const Histogram& h = profile->features[index];
    const double total = static_cast<double>(h.Total());
    if (!(total > 0)) continue;
    for (size_t k = 0; k < column.categories.size(); ++k) {
      const auto level = std::find(h.levels.begin(), h.levels.end(), column.categories[k]);
      double count = 0;
      if (level != h.levels.end()) count += static_cast<double>(h.counts[level - h.levels.begin()]);
      // The preprocessor fills a missing cell with the mode.
      if (k == column.mode) count += static_cast<double>(h.counts[h.missing_bin()]);
      means[column.offset + k] = count / total;
    }
  }
  return means;
}

}  // namespace

Result<Explainer> Explainer::Create(std::shared_ptr<const ModelArtifact> artifact) {
  Explainer e;
  if (artifact->is_ensemble()) {
    for (size_t k = 0; k < artifact->members().size(); ++k) {
      const std::shared_ptr<const ModelArtifact>& member = artifact->members()[k];
      const std::string name = "ensemble member " + std::to_string(k + 1);
      Result<Explainer> explainer = Create(member);
      if (!explainer.ok()) return explainer.status().WithContext(name);
      Member m{std::move(*explainer), 1.0, 0.0, {}};
      if (const std::optional<Calibrator>& cal = member->calibration()) {
        if (cal->method() != CalibrationMethod::kPlatt) {
          return FailedPreconditionError(
              name +
              " is calibrated with isotonic regression, which is not affine in the "
              "log-odds, so the ensemble's explanation would not add up; explanations "
              "need uncalibrated or Platt-calibrated members");
        }
        // Platt: logit(p) = -(a * margin + b).
        m.alpha = -cal->a();
        m.beta = -cal->b();
      }
      for (const std::string& feature : m.explainer.feature_names()) {
        auto it = std::find(e.names_.begin(), e.names_.end(), feature);
        m.feature_index.push_back(static_cast<size_t>(it - e.names_.begin()));
        if (it == e.names_.end()) e.names_.push_back(feature);
      }
      e.members_.push_back(std::move(m));
    }
    e.artifact_ = std::move(artifact);
    return e;
  }
  const Preprocessor& pre = artifact->preprocessor();
  e.feature_of_column_.assign(pre.num_features(), 0);
  for (const FeatureColumnTransform& column : pre.columns()) {
    const auto feature = static_cast<uint32_t>(e.names_.size());
    e.names_.push_back(column.name);
    for (size_t k = 0; k < column.width(); ++k) {
      if (column.offset + k >= e.feature_of_column_.size()) {
        return InvalidArgumentError("preprocessor column \"" + column.name +
                                    "\" reaches past the " +
                                    std::to_string(e.feature_of_column_.size()) + " features");
      }
      e.feature_of_column_[column.offset + k] = feature;
    }
  }
  if (artifact->model().kind() == LogisticRegression::kKind) {
    CHURNML_ASSIGN_OR_RETURN(e.column_means_, ColumnMeans(*artifact));
  }
  // Refuses a kind without contributions now rather than on the first
  // request (and configures the model's explanation path once).
  FeatureMatrix one(1, artifact->model().num_features());
  std::vector<double> out(one.cols() + 1);
  CHURNML_RETURN_IF_ERROR(PredictContributions(artifact->model(), one, e.column_means_, out));
  e.artifact_ = std::move(artifact);
  return e;
}

Status Explainer::Explain(const Dataset& data, Explanations* out) const {
  if (artifact_->is_ensemble()) return ExplainEnsemble(data, out);
  CHURNML_ASSIGN_OR_RETURN(FeatureMatrix x, artifact_->preprocessor().Transform(data));
  return ExplainFeatures(x, out);
}

Status Explainer::ExplainEnsemble(const Dataset& data, Explanations* out) const {
  const EnsembleModel& combiner = *artifact_->ensemble();
  const size_t rows = data.num_rows();
  out->rows = rows;
  out->features = names_.size();
  out->base_values.assign(rows, combiner.bias());
  out->contributions.assign(rows * out->features, 0.0);
  FeatureMatrix served(rows, members_.size());
  Explanations e;
  for (size_t k = 0; k < members_.size(); ++k) {
    const Member& m = members_[k];
    Status s = m.explainer.Explain(data, &e);
    if (!s.ok()) return s.WithContext("ensemble member " + std::to_string(k + 1));
    const double w = combiner.weights()[k];
    const std::optional<Calibrator>& cal = m.explainer.artifact().calibration();
    for (size_t r = 0; r < rows; ++r) {
      out->base_values[r] += w * (m.alpha * e.base_values[r] + m.beta);
      std::span<const double> c = e.row(r);
      double* dst = out->contributions.data() + r * out->features;
      for (size_t f = 0; f < c.size(); ++f) dst[m.feature_index[f]] += w * m.alpha * c[f];
      served.at(r, k) = cal ? cal->Apply(e.probabilities[r]) : e.probabilities[r];
    }
  }
  out->probabilities.resize(rows);
  return artifact_->PredictFeatures(served, out->probabilities);
}

Status Explainer::ExplainFeatures(const FeatureMatrix& x, Explanations* out) const {
  if (artifact_->is_ensemble()) {
    return FailedPreconditionError(
        "an ensemble explains raw rows: its members transform them each with their own "
        "preprocessor");
  }
  const Model& model = artifact_->model();
  const size_t rows = x.rows();
  const size_t cols = x.cols();
  out->rows = rows;
  out->features = names_.size();
  out->probabilities.resize(rows);
  CHURNML_RETURN_IF_ERROR(model.PredictProba(x, out->probabilities));
  std::vector<double> per_column(rows * (cols + 1));
  CHURNML_RETURN_IF_ERROR(PredictContributions(model, x, column_means_, per_column));
  out->base_values.resize(rows);
  out->contributions.assign(rows * out->features, 0.0);
  for (size_t r = 0; r < rows; ++r) {
    const double* src = per_column.data() + r * (cols + 1);
    double* dst = out->contributions.data() + r * out->features;
    for (size_t c = 0; c < cols; ++c) dst[feature_of_column_[c]] += src[c];
    out->base_values[r] = src[cols];
  }
  return Status::Ok();
}

std::vector<size_t> TopContributions(std::span<const double> row, size_t k) {
  std::vector<size_t> order(row.size());
  std::iota(order.begin(), order.end(), size_t{0});
  k = std::min(k, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](size_t a, size_t b) {
                      const double x = std::abs(row[a]), y = std::abs(row[b]);
                      return x != y ? x > y : a < b;
                    });
  order.resize(k);
  return order;
}

}  // namespace churnml
