#include "export/onnx_export.h"

#include <stdlib.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <system_error>

#include "common/atomic_file.h"
#include "common/build_info.h"
#include "export/onnx_graph.h"
#include "export/onnx_parts.h"
#include "models/calibration.h"
#include "models/logistic_regression.h"
#include "models/model_files.h"
#include "models/xgboost_json_check.h"
#include "models/xgboost_model.h"
#include "pipeline/reference_profile.h"

namespace churnml {

namespace fs = std::filesystem;
using onnx_export::Attribute;
using onnx_export::ElementType;
using onnx_export::kDefaultDomain;
using onnx_export::OnnxGraph;

namespace {

constexpr char kCalibrationFile[] = "calibration.json";

std::string Internal(const std::string& what) {
  return std::string(onnx_export::kInternalPrefix) + what;
}

Status Refuse(const std::string& part, const std::string& why) {
  return FailedPreconditionError("cannot export to ONNX: " + part + " " + why +
                                 " (refusing rather than exporting a graph that scores "
                                 "differently)");
}

// The files of an artifact that the export reproduces or that do not
// change a prediction; any other file might, so it is refused.
bool KnownFile(const std::string& name) {
  static const std::set<std::string> kKnown = {
      "preprocessor.json",
      std::string(kHyperparametersFile),
      std::string(LogisticRegression::kModelFile),
      std::string(XGBoostModel::kModelFile),
      kProfileFileName,  // the training reference profile: drift statistics only
      kCalibrationFile,
  };
  return kKnown.count(name) > 0;
}

struct Platt {
  double a = 0, b = 0;
};

// The artifact's calibration (ModelArtifact::calibration, calibration.json):
// none, Platt's (a, b), or a refusal.
Result<std::optional<Platt>> ReadCalibration(const ModelArtifact& artifact) {
  const std::optional<Calibrator>& calibration = artifact.calibration();
  if (!calibration) return std::optional<Platt>();
  switch (calibration->method()) {
    case CalibrationMethod::kPlatt:
      return std::optional<Platt>(Platt{calibration->a(), calibration->b()});
    case CalibrationMethod::kIsotonic:
      return Refuse("isotonic calibration",
                    "has no exact ONNX form (a monotone fit interpolated between knots: a "
                    "float32 score near a steep knot maps to a different probability)");
  }
  return Refuse(
      "calibration method \"" + std::string(CalibrationMethodName(calibration->method())) + "\"",
      "is not understood");
}

// XGBoost's JSON for the loaded booster: the model saves itself into a
// private temporary folder (so the trees are exactly those in memory, the
// ones predict uses) and the JSON is checked like an artifact's.
Result<nlohmann::json> BoosterJson(const XGBoostModel& model) {
  std::string pattern = (fs::temp_directory_path() / "churnml-onnx-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return IOError("cannot create a temporary folder under " + fs::temp_directory_path().string());
  }
  const fs::path dir = pattern;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  CHURNML_RETURN_IF_ERROR(model.Save(dir));
  const std::string where(XGBoostModel::kModelFile);
  CHURNML_ASSIGN_OR_RETURN(std::string text, ReadBoundedFile(dir / XGBoostModel::kModelFile));
  CHURNML_ASSIGN_OR_RETURN(nlohmann::json doc, ParseBoundedJson(text, where));
  CHURNML_RETURN_IF_ERROR(CheckXGBoostModelJson(doc, where, model.options().max_depth).status());
  return doc;
}

// probability (float [N]) = the positive column of `probabilities`, Platt-
// calibrated when asked, in double as churnml computes it.
void AddProbabilityOutput(OnnxGraph& graph, const std::string& probabilities,
                          const std::optional<Platt>& platt) {
  graph.AddNode(
      "Slice", kDefaultDomain,
      {probabilities, graph.AddInt64s(Internal("slice.start"), {1}),
       graph.AddInt64s(Internal("slice.end"), {2}), graph.AddInt64s(Internal("slice.axes"), {1})},
      {Internal("positive.column")});
  const std::string model_probability = platt ? Internal("model.probability") : "probability";
  graph.AddNode("Reshape", kDefaultDomain,
                {Internal("positive.column"), graph.AddInt64s(Internal("shape.flat"), {-1})},
                {model_probability});
  if (!platt) return;
  // p = 1 / (1 + exp(a * logit(s) + b)), s clamped to [1e-15, 1 - 1e-15].
  auto scalar = [&graph](const std::string& name, double v) {
    return graph.AddDoubles(Internal(name), {v}, {1});
  };
  graph.AddNode("Cast", kDefaultDomain, {model_probability}, {Internal("platt.s")},
                {Attribute::Int("to", static_cast<int64_t>(ElementType::kDouble))});
  graph.AddNode("Max", kDefaultDomain, {Internal("platt.s"), scalar("platt.low", 1e-15)},
                {Internal("platt.s.low")});
  graph.AddNode("Min", kDefaultDomain, {Internal("platt.s.low"), scalar("platt.high", 1 - 1e-15)},
                {Internal("platt.clamped")});
  graph.AddNode("Sub", kDefaultDomain, {scalar("platt.one", 1.0), Internal("platt.clamped")},
                {Internal("platt.complement")});
  graph.AddNode("Div", kDefaultDomain, {Internal("platt.clamped"), Internal("platt.complement")},
                {Internal("platt.odds")});
  graph.AddNode("Log", kDefaultDomain, {Internal("platt.odds")}, {Internal("platt.logit")});
  graph.AddNode("Mul", kDefaultDomain, {Internal("platt.logit"), scalar("platt.a", platt->a)},
                {Internal("platt.scaled")});
  graph.AddNode("Add", kDefaultDomain, {Internal("platt.scaled"), scalar("platt.b", platt->b)},
                {Internal("platt.z")});
  graph.AddNode("Exp", kDefaultDomain, {Internal("platt.z")}, {Internal("platt.exp")});
  graph.AddNode("Add", kDefaultDomain, {Internal("platt.exp"), Internal("platt.one")},
                {Internal("platt.denominator")});
  graph.AddNode("Div", kDefaultDomain, {Internal("platt.one"), Internal("platt.denominator")},
                {Internal("platt.p")});
  graph.AddNode("Cast", kDefaultDomain, {Internal("platt.p")}, {"probability"},
                {Attribute::Int("to", static_cast<int64_t>(ElementType::kFloat))});
}

// label (int64 [N]) = probability >= threshold, as churnml predicts.
void AddLabelOutput(OnnxGraph& graph, double threshold) {
  graph.AddNode("Cast", kDefaultDomain, {"probability"}, {Internal("label.p")},
                {Attribute::Int("to", static_cast<int64_t>(ElementType::kDouble))});
  graph.AddNode("GreaterOrEqual", kDefaultDomain,
                {Internal("label.p"), graph.AddDoubles(Internal("threshold"), {threshold}, {1})},
                {Internal("label.bool")});
  graph.AddNode("Cast", kDefaultDomain, {Internal("label.bool")}, {"label"},
                {Attribute::Int("to", static_cast<int64_t>(ElementType::kInt64))});
}

}  // namespace

Result<OnnxExport> ExportOnnx(const ModelArtifact& artifact) {
  if (artifact.is_ensemble()) {
    return Refuse("an ensemble",
                  "is not exported in this build (its members each preprocess the rows and "
                  "their log-odds are combined; export the members one by one)");
  }
  OnnxExport out;
  out.model_kind = std::string(artifact.model().kind());
  out.threshold = artifact.threshold();
  const nlohmann::json& meta = artifact.metadata();
  if (meta.contains("files") && meta["files"].is_object()) {
    for (const auto& [name, sha] : meta["files"].items()) {
      if (!KnownFile(name)) {
        return Refuse("the artifact's file \"" + name + "\"", "is not understood by the exporter");
      }
    }
  }
  CHURNML_ASSIGN_OR_RETURN(std::optional<Platt> platt, ReadCalibration(artifact));
  out.calibration = platt ? "platt" : "none";

  OnnxGraph graph("churnml");
  std::vector<onnx_export::GraphInput> inputs;
  CHURNML_ASSIGN_OR_RETURN(std::string features,
                           onnx_export::AddPreprocessing(artifact.preprocessor(), graph, &inputs));
  std::string probabilities;
  if (const auto* logistic = dynamic_cast<const LogisticRegression*>(&artifact.model())) {
    CHURNML_ASSIGN_OR_RETURN(probabilities,
                             onnx_export::AddLinearClassifier(*logistic, features, graph));
  } else if (const auto* xgb = dynamic_cast<const XGBoostModel*>(&artifact.model())) {
    CHURNML_ASSIGN_OR_RETURN(nlohmann::json doc, BoosterJson(*xgb));
    CHURNML_ASSIGN_OR_RETURN(probabilities, onnx_export::AddTreeEnsembleClassifier(
                                                doc, xgb->num_features(), features, graph));
  } else {
    return Refuse("model kind \"" + out.model_kind + "\"",
                  "has no ONNX form in this build (exportable kinds: logistic, xgboost)");
  }
  AddProbabilityOutput(graph, probabilities, platt);
  AddLabelOutput(graph, artifact.threshold());
  graph.AddBatchOutput("probability", ElementType::kFloat);
  graph.AddBatchOutput("label", ElementType::kInt64);

  for (const onnx_export::GraphInput& in : inputs) {
    out.inputs.push_back({in.name, in.type == ElementType::kString ? "string" : "double"});
  }
  std::vector<std::pair<std::string, std::string>> metadata = {
      {"churnml.model_kind", out.model_kind},
      {"churnml.calibration", out.calibration},
      {"churnml.threshold", nlohmann::json(artifact.threshold()).dump()},
      {"churnml.unknown_category",
       std::string(UnknownCategoryPolicyName(artifact.preprocessor().options().unknown_category))},
  };
  CHURNML_ASSIGN_OR_RETURN(
      out.bytes,
      graph.Finish(kVersion,
                   "churnml " + out.model_kind +
                       " pipeline: one input per raw column (double, NaN = missing; string, \"\" "
                       "= missing); outputs probability (float) and label (int64)",
                   metadata));
  return out;
}

Status WriteOnnxFile(const OnnxExport& exported, const fs::path& path) {
  CHURNML_ASSIGN_OR_RETURN(AtomicFileWriter writer,
                           AtomicFileWriter::Create(path, ExistingPolicy::kReplace));
  CHURNML_RETURN_IF_ERROR(writer.Write(exported.bytes));
  return writer.Commit();
}

}  // namespace churnml
