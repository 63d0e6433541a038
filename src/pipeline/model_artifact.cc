#include "pipeline/model_artifact.h"

#include <chrono>
#include <ctime>

#include "common/build_info.h"
#include "common/time_format.h"

namespace churnml {
namespace fs = std::filesystem;

namespace {

constexpr char kModelJson[] = "model.json";
constexpr char kPreprocessorJson[] = "preprocessor.json";

std::string UtcNow() { return FormatUtcSeconds(std::chrono::system_clock::now()); }

// nlohmann throws on bad input; this is the one place its exceptions stop
// for artifact files.
Result<nlohmann::json> ParseJsonFile(const fs::path& path) {
  CHURNML_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(path.string() + " is not valid JSON: " + e.what());
  }
}

}  // namespace

ModelArtifact::ModelArtifact(Schema schema, Preprocessor preprocessor, std::unique_ptr<Model> model,
                             double threshold, double positive_rate, nlohmann::json metadata)
    : schema_(std::move(schema)),
      preprocessor_(std::move(preprocessor)),
      model_(std::move(model)),
      threshold_(threshold),
      positive_rate_(positive_rate),
      metadata_(std::move(metadata)) {}

Status ModelArtifact::Save(const fs::path& dir, ExistingPolicy policy) const {
  CHURNML_ASSIGN_OR_RETURN(StagedDirectory staged, StagedDirectory::Create(dir, policy));
  nlohmann::json doc = metadata_;
  doc["format_version"] = kArtifactFormatVersion;
  doc["kind"] = std::string(model_->kind());
  doc["created_at"] = UtcNow();
  doc["churnml_version"] = kVersion;
  doc["git_commit"] = kGitCommit;
  doc["schema"] = schema_.ToJson();
  doc["feature_names"] = preprocessor_.feature_names();
  doc["threshold"] = threshold_;
  doc["positive_rate"] = positive_rate_;
  doc["hyperparameters"] = model_->hyperparameters();
  CHURNML_RETURN_IF_ERROR(WriteFileAtomically(staged.path() / kModelJson, doc.dump(2) + "\n"));
  CHURNML_RETURN_IF_ERROR(WriteFileAtomically(staged.path() / kPreprocessorJson,
                                              preprocessor_.ToJson().dump(2) + "\n"));
  CHURNML_RETURN_IF_ERROR(model_->Save(staged.path()));
  return staged.Commit();
}

Result<std::shared_ptr<const ModelArtifact>> ModelArtifact::Load(const fs::path& dir,
                                                                 const ModelRegistry& registry) {
  if (!fs::is_directory(dir)) {
    return NotFoundError("model " + dir.string() + " not found (expected a model directory)");
  }
  CHURNML_ASSIGN_OR_RETURN(nlohmann::json doc, ParseJsonFile(dir / kModelJson));
  auto field_error = [&](const std::string& field) {
    return InvalidArgumentError((dir / kModelJson).string() + ": field \"" + field +
                                "\" is missing or has the wrong type");
  };
  if (!doc.is_object() || !doc.contains("format_version") ||
      !doc["format_version"].is_number_integer()) {
    return field_error("format_version");
  }
  int version = doc["format_version"].get<int>();
  if (version != kArtifactFormatVersion) {
    return FailedPreconditionError((dir / kModelJson).string() + ": artifact format version " +
                                   std::to_string(version) + " is not supported by churnml " +
                                   kVersion + " (reads version " +
                                   std::to_string(kArtifactFormatVersion) + ")");
  }
  for (const char* field : {"kind", "schema", "feature_names", "threshold", "positive_rate"}) {
    if (!doc.contains(field)) return field_error(field);
  }
  if (!doc["kind"].is_string()) return field_error("kind");
  if (!doc["threshold"].is_number() || !doc["positive_rate"].is_number()) {
    return field_error("threshold");
  }
  CHURNML_ASSIGN_OR_RETURN(Schema schema, Schema::FromJson(doc["schema"]));
  CHURNML_ASSIGN_OR_RETURN(nlohmann::json pre_doc, ParseJsonFile(dir / kPreprocessorJson));
  Result<Preprocessor> preprocessor = Preprocessor::FromJson(pre_doc);
  if (!preprocessor.ok())
    return preprocessor.status().WithContext((dir / kPreprocessorJson).string());
  if (doc["feature_names"] != nlohmann::json(preprocessor->feature_names())) {
    return InvalidArgumentError(dir.string() +
                                ": feature names in model.json and preprocessor.json disagree");
  }
  std::string kind = doc["kind"].get<std::string>();
  CHURNML_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, registry.Load(kind, dir));
  double threshold = doc["threshold"].get<double>();
  double positive_rate = doc["positive_rate"].get<double>();
  return std::shared_ptr<const ModelArtifact>(
      std::make_shared<ModelArtifact>(std::move(schema), std::move(*preprocessor), std::move(model),
                                      threshold, positive_rate, std::move(doc)));
}

Status ModelArtifact::PredictProba(const Dataset& data, std::vector<double>* probabilities) const {
  CHURNML_ASSIGN_OR_RETURN(FeatureMatrix features, preprocessor_.Transform(data));
  probabilities->resize(features.rows());
  return model_->PredictProba(features, *probabilities);
}

}  // namespace churnml
