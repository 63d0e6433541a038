// The ensemble train use case: combine already fitted models (the members)
// into one artifact, by soft voting (average) or stacking, and evaluate it
// on the test split.
//
// The data is split like `train` (same --seed and --test-size give the same
// rows). Average: the members' log-odds are averaged with the given weights
// (models/ensemble.h). Stacking: each member's recorded configuration (kind,
// hyperparameters, unknown-category policy, calibration) is refit on K-1
// folds of the training rows and scores the remaining fold, so every row of
// the out-of-fold matrix comes from a model that never saw that row; the
// logistic meta-model is fitted on that matrix, and the final ensemble
// combines the given fitted members with it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "common/status.h"
#include "data/csv_loader.h"
#include "data/schema.h"
#include "data/validation_issue.h"
#include "eval/binary_metrics.h"
#include "models/ensemble.h"
#include "models/model_registry.h"
#include "pipeline/model_artifact.h"
#include "pipeline/tracked_train.h"

namespace churnml {

struct EnsembleTrainOptions {
  std::filesystem::path data_path;
  Schema schema = Schema::Telco();
  // The fitted members, in order (ModelArtifact::LoadMember): 2 to
  // kMaxEnsembleMembers, none an ensemble, each with `schema`.
  std::vector<EnsembleMember> members;
  EnsembleMethod method = EnsembleMethod::kAverage;
  // Soft-voting weights, one per member, > 0 (normalised); empty = equal.
  // Stacking fits its own weights: non-empty is InvalidArgument then.
  std::vector<double> weights;
  int stacking_folds = 5;  // K of the out-of-fold predictions, in [2, 20]
  double test_size = 0.2;  // share of rows held out, in (0, 1)
  uint64_t seed = 42;      // split, folds and the refits' seeds
  double threshold = 0.5;  // the ensemble's serving threshold, in [0, 1]
  InvalidRowPolicy invalid_rows = InvalidRowPolicy::kFail;
  int64_t max_issues = 20;
  std::filesystem::path out_dir;
  ExistingPolicy existing = ExistingPolicy::kFail;
};

struct EnsembleTrainReport {
  int64_t rows_read = 0;
  int64_t rows_dropped = 0;
  int64_t train_rows = 0;
  int64_t test_rows = 0;
  std::string data_fingerprint;
  IssueList issues{20};
  EnsembleMethod method = EnsembleMethod::kAverage;
  std::vector<std::string> member_sources;
  std::vector<std::string> member_kinds;
  std::vector<double> weights;  // as combined (normalised, or the meta-model's)
  double bias = 0;
  BinaryMetrics test_metrics;                 // the ensemble on the test split
  std::vector<BinaryMetrics> member_metrics;  // each member on the same rows
  // Things the user should know, e.g. a member trained on other rows than
  // this split's training rows (then the test rows may not be new to it).
  std::vector<std::string> warnings;
  std::filesystem::path artifact_dir;
  double seconds = 0;

  // The JSON shape of `churnml train --model ensemble --json` (docs/models.md).
  nlohmann::json ToJson() const;
};

// Fills `report` as far as it got. Errors: InvalidArgument for bad options
// (naming the flag), FailedPrecondition for invalid rows under kFail, a
// member refit's error naming the member and fold, the save's errors.
Status TrainEnsemble(const EnsembleTrainOptions& options, const ModelRegistry& registry,
                     EnsembleTrainReport* report);

// The same recorded as a run (params model=ensemble, method, members,
// weights, data, seed, test_size, stacking_folds; the test metrics and each
// member's test ROC AUC as member_<i>_roc_auc), the artifact copied into the
// store and optionally registered. `options.out_dir` may be empty.
Status TrainEnsembleTracked(const EnsembleTrainOptions& options, const TrackingOptions& tracking,
                            const ModelRegistry& registry, EnsembleTrainReport* report,
                            TrackedRun* run);

// Fits member `member` on the rows `fit_rows` and writes its probabilities
// for `score_rows` (disjoint from fit_rows) into `scores`.
using MemberFoldScorer =
    std::function<Status(size_t member, std::span<const size_t> fit_rows,
                         std::span<const size_t> score_rows, std::span<double> scores)>;

// The out-of-fold matrix of stacking: rows x members, row r's values scored
// by fits on the other K-1 stratified folds (never on row r). Errors: those
// of the split and of `scorer`.
Result<FeatureMatrix> OutOfFoldScores(std::span<const uint8_t> labels, size_t members, int folds,
                                      uint64_t seed, const MemberFoldScorer& scorer);

}  // namespace churnml
