// A model version ready to answer requests: the loaded artifact, the
// converter that validates request fields against its schema, and the
// registry coordinates responses are tagged with.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "common/status.h"
#include "data/row_converter.h"
#include "models/model_registry.h"
#include "pipeline/explanations.h"
#include "pipeline/model_artifact.h"
#include "serving/api/oip_codec.h"
#include "serving/api/predict_codec.h"
#include "tracking/tracking_types.h"

namespace churnml::serving {

struct ServedModel {
  std::string name;     // registry model name (or the serve --model-name for a directory)
  std::string version;  // registry version ("3"), or "0" for a directory
  std::string kind;     // "logistic", "xgboost"
  std::filesystem::path path;
  std::shared_ptr<const ModelArtifact> artifact;
  RowConverter converter;
  std::shared_ptr<const PredictCodec> codec;  // /predict and /predict/batch bodies
  std::shared_ptr<const OipCodec> oip;        // Open Inference Protocol bodies
  std::chrono::system_clock::time_point loaded_at;
  // Explanations (POST /explain, "explain" on infer requests), built once at
  // load; null when the model cannot explain, and `explain_error` says why.
  std::shared_ptr<const Explainer> explainer = nullptr;
  Status explain_error = Status::Ok();
};

// Loads the artifact `resolved` names and proves it can answer: a smoke
// prediction on a row built from the schema must give a probability in
// [0, 1]. A registered version's files are checked against the checksums
// the store recorded (resolved.artifact_sha256) as well as model.json's, and
// the artifact is validated structurally either way (ModelArtifact::Load).
// `default_name` names a model served from a directory. Errors name the
// version and what failed, so a bad version is never swapped in. Load
// warnings (an artifact without checksums) are logged.
Result<std::shared_ptr<const ServedModel>> LoadServedModel(const tracking::ResolvedModel& resolved,
                                                           const std::string& default_name,
                                                           const ModelRegistry& registry);

// The smoke check LoadServedModel runs before a version may serve: one
// prediction on a row built from the schema must be a probability in [0, 1].
Status SmokeTest(const ServedModel& model);

}  // namespace churnml::serving
