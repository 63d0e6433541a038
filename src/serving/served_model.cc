#include "serving/served_model.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "data/validation_issue.h"

namespace churnml::serving {

namespace {

// One valid record for `schema`: each numeric column at its lower bound (or
// 0 clamped into range), each categorical column at its first category.
std::vector<std::pair<std::string, std::string>> SmokeRecord(const Schema& schema) {
  std::vector<std::pair<std::string, std::string>> record;
  for (const ColumnSpec& column : schema.columns()) {
    if (column.role == ColumnRole::kTarget) continue;
    if (column.role == ColumnRole::kId) {
      record.emplace_back(column.name, "smoke-test");
      continue;
    }
    if (column.type == ColumnType::kCategorical) {
      record.emplace_back(column.name, column.categories.empty() ? "smoke" : column.categories[0]);
      continue;
    }
    double value = 0;
    if (column.min) value = std::max(value, *column.min);
    if (column.max) value = std::min(value, *column.max);
    record.emplace_back(column.name, column.type == ColumnType::kInteger
                                         ? std::to_string(static_cast<int64_t>(std::ceil(value)))
                                         : FormatDouble(value));
  }
  return record;
}

}  // namespace

Status SmokeTest(const ServedModel& model) {
  const Schema& schema = model.artifact->schema();
  Dataset row(schema);
  IssueList issues;
  if (!model.converter.ConvertNamed(SmokeRecord(schema), 1, &row, &issues)) {
    return InternalError("smoke prediction of " + model.name + " version " + model.version +
                         ": the schema's smoke row is invalid: " +
                         (issues.issues().empty() ? "" : issues.issues()[0].message));
  }
  std::vector<double> probability;
  Status predicted = model.artifact->PredictProba(row, &probability);
  if (!predicted.ok()) {
    return Status(predicted.code(), "smoke prediction of " + model.name + " version " +
                                        model.version + " failed: " + predicted.message());
  }
  if (probability.size() != 1 || !std::isfinite(probability[0]) || probability[0] < 0 ||
      probability[0] > 1) {
    return InternalError(
        "smoke prediction of " + model.name + " version " + model.version + " gave " +
        (probability.empty() ? "no value" : FormatDouble(probability[0])) + ", not a probability");
  }
  return Status::Ok();
}

Result<std::shared_ptr<const ServedModel>> LoadServedModel(const tracking::ResolvedModel& resolved,
                                                           const std::string& default_name,
                                                           const ModelRegistry& registry) {
  ArtifactLoadOptions load_options;
  if (!resolved.model.empty()) {
    // A registered version: its files must still have the checksums the
    // store recorded at registration.
    load_options.expected_sha256 = resolved.artifact_sha256;
    load_options.record_name =
        "version " + std::to_string(resolved.version) + " of model \"" + resolved.model + "\"";
  }
  CHURNML_ASSIGN_OR_RETURN(std::shared_ptr<const ModelArtifact> artifact,
                           ModelArtifact::Load(resolved.artifact_path, registry, load_options));
  for (const std::string& warning : artifact->warnings()) spdlog::warn("{}", warning);
  auto model = std::make_shared<ServedModel>(ServedModel{
      .name = resolved.model.empty() ? default_name : resolved.model,
      .version = std::to_string(resolved.version),
      .kind = std::string(artifact->model().kind()),
      .path = resolved.artifact_path,
      .artifact = artifact,
      .converter = RowConverter::ForSchema(artifact->schema(), TargetPolicy::kIgnore),
      .codec = std::make_shared<PredictCodec>(artifact->schema()),
      .oip = std::make_shared<OipCodec>(artifact->schema()),
      .loaded_at = std::chrono::system_clock::now(),
  });
  CHURNML_RETURN_IF_ERROR(SmokeTest(*model));
  Result<Explainer> explainer = Explainer::Create(artifact);
  if (explainer.ok()) {
    model->explainer = std::make_shared<const Explainer>(std::move(explainer).value());
  } else {
    model->explain_error = explainer.status();
  }
  return std::shared_ptr<const ServedModel>(std::move(model));
}

}  // namespace churnml::serving
