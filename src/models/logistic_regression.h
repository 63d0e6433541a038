// Logistic regression with liblinear 2.3's problem and conventions (the
// library behind scikit-learn's LogisticRegression(solver="liblinear")): an
// intercept fitted as an extra feature of constant 1 that is regularized like
// the others, C the inverse regularization strength, tol liblinear's stopping
// tolerance eps. The default solver, "dense", solves that problem with
// Newton's method on the dense feature matrix (dense_logistic.h); "liblinear"
// (and its named solvers) runs liblinear itself. Both write liblinear's
// model.txt, so a model loads the same way whichever solver trained it.
//
// Prediction does not go through liblinear: the model keeps the weights in
// double and computes sigmoid(intercept + w . x) itself, so a model reloaded
// from model.txt (weights written with %.17g) predicts bit-identically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "features/feature_matrix.h"
#include "models/dense_logistic.h"
#include "models/model.h"
#include "models/model_files.h"

namespace churnml {

enum class LogisticSolver {
  kDense,      // FitDenseLogistic: exact-Hessian Newton (l2) or newGLMNET (l1), both cores
  kAuto,       // liblinear: kNewton for l2, kNewGlmnet for l1 (as scikit-learn with
               // dual=False). Named "liblinear"; "auto", which artifacts trained
               // before the dense solver hold, reads as this.
  kNewton,     // liblinear L2R_LR: trust-region Newton on the primal; l2 only
  kDual,       // liblinear L2R_LR_DUAL: dual coordinate descent; l2 only
  kNewGlmnet,  // liblinear L1R_LR: newGLMNET; l1 only
};

enum class ClassWeight {
  kNone,
  kBalanced,  // class c weighs n / (2 * count(c)), as scikit-learn's "balanced"
};

// liblinear 2.3 has no iteration limit in its `parameter` struct: the cap is
// fixed inside the library (1000 Newton iterations for "newton", 1000 passes
// for "dual", 100 outer newGLMNET iterations for l1). max_iter therefore only
// accepts this value with a liblinear solver; anything else is
// InvalidArgument rather than silently ignored. The dense solver takes any
// positive cap on its Newton iterations.
inline constexpr int kLiblinearFixedMaxIter = 1000;

struct LogisticRegressionOptions {
  Penalty penalty = Penalty::kL2;
  double c = 1.0;  // inverse regularization strength, > 0
  LogisticSolver solver = LogisticSolver::kDense;
  ClassWeight class_weight = ClassWeight::kNone;
  // liblinear's eps. For "newton" and l1 the stop is
  // |grad f(w)| <= tol * max(min(#pos, #neg), 1) / n * |grad f(0)|, for "dual"
  // the maximal dual violation <= tol. The default is liblinear's own default
  // for the primal solver, 1e-2, not scikit-learn's 1e-4: on 1M generated
  // Telco rows (45 features) both reach the same test ROC AUC to within
  // 1.2e-5 and log loss to within 3e-5, but 1e-4 takes 6 Newton iterations
  // and 33 CG steps (each a full pass over the data) against 4 and 18.
  double tol = 1e-2;
  int max_iter = kLiblinearFixedMaxIter;

  // Keys: penalty ("l1"|"l2"), C, solver ("dense"|"liblinear"|"newton"|"dual"|
  // "newglmnet"; "auto" = "liblinear"), class_weight ("none"|"balanced"), tol, max_iter. Missing
  // keys keep the defaults; the combination is checked by Validate().
  static Result<LogisticRegressionOptions> FromJson(const nlohmann::json& j);
  nlohmann::json ToJson() const;
  Status Validate() const;
};

class LogisticRegression final : public Model {
 public:
  static constexpr std::string_view kKind = "logistic";
  // The liblinear model file written by Save.
  static constexpr std::string_view kModelFile = "model.txt";

  // Trains on `x` and 0/1 `labels` (1 = positive). InvalidArgument for a
  // shape mismatch, non-finite features, a single class, or bad options.
  static Result<std::unique_ptr<LogisticRegression>> Train(
      const FeatureMatrix& x, std::span<const uint8_t> labels,
      const LogisticRegressionOptions& options);
  // The same on the compact matrix: the dense solver fits it as it is (the
  // same optimum as on x.Densify(), not the same bits); liblinear's solvers
  // get x.Densify().
  static Result<std::unique_ptr<LogisticRegression>> Train(
      const CompactFeatureMatrix& x, std::span<const uint8_t> labels,
      const LogisticRegressionOptions& options);
  // Loads model.txt and hyperparameters.json from `files`. model.txt is
  // parsed here (not by liblinear) and must have liblinear's layout with
  // "label 1 -1", finite weights and a weight count equal to nr_feature + 1.
  // Errors name the file.
  static Result<std::unique_ptr<LogisticRegression>> Load(const ModelFiles& files);
  // Load(ModelFiles::FromDirectory(dir)).
  static Result<std::unique_ptr<LogisticRegression>> Load(const std::filesystem::path& dir);

  ~LogisticRegression() override;

  std::string_view kind() const override { return kKind; }
  size_t num_features() const override { return coefficients_.size(); }
  nlohmann::json hyperparameters() const override;
  Status Save(const std::filesystem::path& dir) const override;

  // Weight of each feature (by FeatureMatrix column) for the positive class,
  // and the intercept.
  std::span<const double> coefficients() const { return coefficients_; }
  double intercept() const { return intercept_; }
  const LogisticRegressionOptions& options() const { return options_; }

 protected:
  Status DoPredictProba(const FeatureMatrix& x, std::span<double> out) const override;

 private:
  struct LiblinearModel;  // owns liblinear's `struct model`
  LogisticRegression(LogisticRegressionOptions options, std::unique_ptr<LiblinearModel> model);
  // Train's path for LogisticSolver::kDense, after the shared checks.
  static Result<std::unique_ptr<LogisticRegression>> TrainDense(
      const FeatureMatrix& x, std::span<const uint8_t> labels,
      const LogisticRegressionOptions& options);
  // The model for the dense solver's result on `cols` features.
  static Result<std::unique_ptr<LogisticRegression>> FromDenseFit(
      DenseLogisticFit fit, size_t cols, const LogisticRegressionOptions& options);

  LogisticRegressionOptions options_;
  std::unique_ptr<LiblinearModel> model_;
  std::vector<double> coefficients_;
  double intercept_ = 0.0;
};

}  // namespace churnml
