#include "models/contributions.h"

#include <cmath>
#include <string>

#include "common/strings.h"
#include "models/logistic_regression.h"
#include "models/xgboost_model.h"

namespace churnml {

namespace {

Status CheckShape(const Model& model, const FeatureMatrix& x, size_t out_size, size_t per_row) {
  if (x.cols() != model.num_features()) {
    return InvalidArgumentError(std::string(model.kind()) + " model expects " +
                                std::to_string(model.num_features()) + " features, got " +
                                std::to_string(x.cols()));
  }
  if (out_size != x.rows() * per_row) {
    return InvalidArgumentError("output buffer holds " + std::to_string(out_size) + " values, " +
                                std::to_string(x.rows()) + " rows need " +
                                std::to_string(x.rows() * per_row));
  }
  return Status::Ok();
}

Status CannotExplain(const Model& model) {
  return FailedPreconditionError("model kind \"" + std::string(model.kind()) +
                                 "\" has no margin contributions (explainable kinds: " +
                                 std::string(LogisticRegression::kKind) + ", " +
                                 std::string(XGBoostModel::kKind) + ")");
}

// A damaged artifact can produce NaN or infinities; no caller sees them.
Status CheckFinite(const Model& model, std::span<const double> values, size_t per_row) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return InternalError(std::string(model.kind()) + " model computed " +
                           FormatDouble(values[i]) + " for row " + std::to_string(i / per_row + 1) +
                           " (is the artifact damaged?)");
    }
  }
  return Status::Ok();
}

}  // namespace

Status PredictMargin(const Model& model, const FeatureMatrix& x, std::span<double> out) {
  CHURNML_RETURN_IF_ERROR(CheckShape(model, x, out.size(), 1));
  if (x.rows() == 0) return Status::Ok();
  if (const auto* linear = dynamic_cast<const LogisticRegression*>(&model)) {
    // The same sum, in the same order, as LogisticRegression::DoPredictProba.
    const std::span<const double> w = linear->coefficients();
    for (size_t r = 0; r < x.rows(); ++r) {
      const std::span<const double> row = x.row(r);
      double z = linear->intercept();
      for (size_t j = 0; j < w.size(); ++j) z += w[j] * row[j];
      out[r] = z;
    }
  } else if (const auto* trees = dynamic_cast<const XGBoostModel*>(&model)) {
    CHURNML_RETURN_IF_ERROR(trees->PredictMargin(x, out));
  } else {
    return CannotExplain(model);
  }
  return CheckFinite(model, out, 1);
}

Status PredictContributions(const Model& model, const FeatureMatrix& x,
                            std::span<const double> column_means, std::span<double> out) {
  const size_t per_row = x.cols() + 1;
  CHURNML_RETURN_IF_ERROR(CheckShape(model, x, out.size(), per_row));
  if (x.rows() == 0) return Status::Ok();
  if (const auto* linear = dynamic_cast<const LogisticRegression*>(&model)) {
    if (column_means.size() != x.cols()) {
      return InvalidArgumentError("logistic contributions need " + std::to_string(x.cols()) +
                                  " column means, got " + std::to_string(column_means.size()));
    }
    const std::span<const double> w = linear->coefficients();
    double base = linear->intercept();
    for (size_t j = 0; j < w.size(); ++j) {
      if (!std::isfinite(column_means[j])) {
        return InvalidArgumentError("column mean " + std::to_string(j + 1) + " is " +
                                    FormatDouble(column_means[j]) + ", not a finite number");
      }
      base += w[j] * column_means[j];
    }
    for (size_t r = 0; r < x.rows(); ++r) {
      const std::span<const double> row = x.row(r);
      double* dst = out.data() + r * per_row;
      for (size_t j = 0; j < w.size(); ++j) dst[j] = w[j] * (row[j] - column_means[j]);
      dst[w.size()] = base;
    }
  } else if (const auto* trees = dynamic_cast<const XGBoostModel*>(&model)) {
    CHURNML_RETURN_IF_ERROR(trees->PredictContributions(x, out));
  } else {
    return CannotExplain(model);
  }
  return CheckFinite(model, out, per_row);
}

}  // namespace churnml
