// The model artifact: a directory holding everything needed to score raw
// rows, written under a temporary name and renamed into place.
//
//   model.json         format version, kind, schema, feature names, training
//                      metadata (data fingerprint, rows, split, seed,
//                      hyperparameters), test metrics, threshold, base rate,
//                      and "files": the SHA-256 of every other file
//   preprocessor.json  the fitted Preprocessor
//   hyperparameters.json, model.txt | xgboost_model.json  the model's own
//                      files (liblinear text / XGBoost JSON)
//   calibration.json   (optional) the Calibrator applied after the model;
//                      model.json's "calibration" names its method
//   any file added with AddFile (e.g. a reference profile)
//
// An ensemble (kind "ensemble", format version 3) has no preprocessor.json:
// hyperparameters.json holds the EnsembleModel's method, weights and bias,
// and every file of member i (1-based) is stored flat beside it as
// "member-<i>.<name>" (member-1.model.json, member-1.preprocessor.json, …),
// listed and checksummed in the ensemble's model.json like any file, so the
// directory is self-contained; model.json's "ensemble" names each member's
// prefix, source reference and kind. Load loads every member from those
// files as hostile input (its own checksums too); members may not be
// ensembles themselves.
//
// docs/artifact.md is the contract; kArtifactFormatVersion changes only with
// a migration. An artifact is hostile input: Load reads every file once,
// bounded in size, checks it against the checksums in model.json and (for a
// registered version) the store's record, and validates every value before
// any of it is used; errors name the file and the field.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "common/status.h"
#include "data/dataset.h"
#include "data/schema.h"
#include "features/preprocessor.h"
#include "models/calibration.h"
#include "models/ensemble.h"
#include "models/model.h"
#include "models/model_registry.h"

namespace churnml {

// Version 2 added "files" (checksums) to model.json. Version 1 artifacts
// (no checksums) still load, structurally validated, with a warning.
inline constexpr int kArtifactFormatVersion = 2;
inline constexpr int kOldestArtifactFormatVersion = 1;
// Ensembles are written as version 3, so a build that predates them refuses
// one with its format-version message instead of a missing-file error.
inline constexpr int kEnsembleArtifactFormatVersion = 3;

struct ArtifactLoadOptions {
  // The store's record of the artifact's files (file name → SHA-256 hex)
  // taken at registration (tracking::ResolvedModel::artifact_sha256). Every
  // file it names must still have that checksum — model.json included, so a
  // swapped file is caught even when model.json was edited to match. Empty:
  // no record (a directory, or a version registered before the store kept
  // checksums).
  std::map<std::string, std::string> expected_sha256;
  // Names the record in messages, e.g. "version 3 of model \"churn\"".
  std::string record_name;
};

class ModelArtifact;

// A model artifact taken into an ensemble: the loaded member and the exact
// bytes it was loaded from (model.json and every file it lists), which the
// ensemble stores as its own files.
struct EnsembleMember {
  std::string source;  // the reference it came from, e.g. "churn/3" or a path
  std::shared_ptr<const ModelArtifact> artifact;
  std::map<std::string, std::string> files;  // file name → bytes
};

class ModelArtifact {
 public:
  // `metadata` holds the "training" and "metrics" sections and any other
  // descriptive fields; Save adds format version, kind, schema, features,
  // threshold, base rate and build info.
  ModelArtifact(Schema schema, Preprocessor preprocessor, std::unique_ptr<Model> model,
                double threshold, double positive_rate, nlohmann::json metadata);

  // Reads a directory written by Save. NotFound when it is missing;
  // FailedPrecondition on a format version this build cannot read;
  // InvalidArgument when a file's SHA-256 differs from model.json's "files"
  // or from options.expected_sha256 (naming the file), and when a file is
  // damaged or a value is out of range (naming the file and field):
  // threshold and positive_rate finite in [0, 1], feature names equal to the
  // preprocessor's, the model's feature count and hyperparameters equal to
  // model.json's, every preprocessor column a feature of the schema with the
  // same type. `registry` knows how to load each model kind.
  static Result<std::shared_ptr<const ModelArtifact>> Load(const std::filesystem::path& dir,
                                                           const ModelRegistry& registry,
                                                           const ArtifactLoadOptions& options = {});

  // Reads the artifact directory `dir` into memory (model.json and every
  // file it lists, bounded) and loads the member from those bytes with
  // `options`' checksums, so the bytes an ensemble copies are the bytes that
  // were verified. Errors as Load; FailedPrecondition for a format version 1
  // artifact (no checksums) or an ensemble (ensembles do not nest).
  static Result<EnsembleMember> LoadMember(const std::filesystem::path& dir,
                                           const ModelRegistry& registry,
                                           const ArtifactLoadOptions& options, std::string source);

  // An ensemble artifact over `members` (2..kMaxEnsembleMembers, each with
  // the same schema as `schema`, none an ensemble) combined by `combiner`
  // (one weight per member). InvalidArgument naming the member otherwise.
  static Result<std::unique_ptr<ModelArtifact>> MakeEnsemble(
      Schema schema, std::unique_ptr<EnsembleModel> combiner, std::vector<EnsembleMember> members,
      double threshold, double positive_rate, nlohmann::json metadata);

  // Adds a file Save writes beside the others and lists (with its
  // checksum) in model.json. InvalidArgument for a name that is not a plain
  // file name ([A-Za-z0-9._-], not starting with '.') or that the artifact
  // already writes.
  Status AddFile(std::string name, std::string contents);
  // The verified contents of a file added with AddFile (after Load: every
  // listed file that neither the artifact nor its model kind reads itself).
  // NotFound when there is none.
  Result<std::string_view> File(std::string_view name) const;

  // Writes the directory atomically (StagedDirectory). AlreadyExists with
  // ExistingPolicy::kFail when `dir` exists.
  Status Save(const std::filesystem::path& dir, ExistingPolicy policy) const;

  // Calibration applied after the model in PredictProba and
  // PredictFeatures (fitted on held-out rows by train). Written by Save as
  // calibration.json; Load refuses a damaged or hostile one.
  void SetCalibration(Calibrator calibrator) { calibration_ = std::move(calibrator); }
  const std::optional<Calibrator>& calibration() const { return calibration_; }

  // Probability of the positive class for each row (calibrated when the
  // artifact holds a calibration; an ensemble combines its members'
  // probabilities, each as that member's PredictProba gives it). Thread-safe.
  Status PredictProba(const Dataset& data, std::vector<double>* probabilities) const;
  // The same from already transformed features (preprocessor().Transform):
  // the model, then the calibration. For an ensemble the features are the
  // members' probabilities (MemberProbabilities). Thread-safe.
  Status PredictFeatures(const FeatureMatrix& features, std::span<double> probabilities) const;
  // The model's own probabilities, before calibration (reports compare both).
  // An ensemble has no calibration of its own: the same as PredictProba.
  Status PredictUncalibrated(const Dataset& data, std::vector<double>* probabilities) const;
  // An ensemble's input: rows x members, member k's probability in column k.
  // FailedPrecondition for an artifact that is not an ensemble.
  Result<FeatureMatrix> MemberProbabilities(const Dataset& data) const;

  // Whether this artifact is an ensemble: then preprocessor() is empty (each
  // member transforms the rows itself), model() is the EnsembleModel over
  // the members' probabilities, and members() holds the members in order.
  bool is_ensemble() const { return ensemble_ != nullptr; }
  const EnsembleModel* ensemble() const { return ensemble_; }
  const std::vector<std::shared_ptr<const ModelArtifact>>& members() const { return members_; }

  const Schema& schema() const { return schema_; }
  const Preprocessor& preprocessor() const { return preprocessor_; }
  const Model& model() const { return *model_; }
  double threshold() const { return threshold_; }
  // Share of positives in the training split: the prior a fallback answers with.
  double positive_rate() const { return positive_rate_; }
  const nlohmann::json& metadata() const { return metadata_; }
  // Things the caller should tell the user once (e.g. "format version 1:
  // no checksums"). Empty for an artifact verified against its checksums.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  class Reader;
  static Result<std::shared_ptr<const ModelArtifact>> LoadFrom(Reader& reader,
                                                               const ModelRegistry& registry,
                                                               int depth);
  static Status LoadEnsembleParts(Reader& reader, const nlohmann::json& doc,
                                  const ModelRegistry& registry, int depth, ModelArtifact* out);

  Schema schema_;
  Preprocessor preprocessor_;
  std::unique_ptr<Model> model_;
  double threshold_;
  double positive_rate_;
  nlohmann::json metadata_;
  std::optional<Calibrator> calibration_;
  const EnsembleModel* ensemble_ = nullptr;  // model_ when it is an ensemble
  std::vector<std::shared_ptr<const ModelArtifact>> members_;
  nlohmann::json member_records_;                          // model.json's "ensemble"."members"
  std::map<std::string, std::string, std::less<>> files_;  // AddFile / extra verified files
  std::vector<std::string> warnings_;
};

}  // namespace churnml
