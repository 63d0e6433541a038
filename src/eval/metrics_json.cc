#include "eval/metrics_json.h"

#include <nlohmann/json.hpp>
#include <string>

namespace churnml {
namespace {

nlohmann::json OptionalNumber(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json ClassScoresJson(const ClassScores& scores) {
  return {{"precision", scores.precision},
          {"recall", scores.recall},
          {"f1", scores.f1},
          {"support", scores.support}};
}

// The readers below throw FieldError (caught in BinaryMetricsFromJson, never
// leaving this file) with the dotted path of the key that is wrong.
struct FieldError {
  std::string message;
};

const nlohmann::json& Field(const nlohmann::json& object, const std::string& path,
                            const char* key) {
  const std::string full = path.empty() ? key : path + "." + key;
  if (!object.is_object() || !object.contains(key)) {
    throw FieldError{"key \"" + full + "\" is missing"};
  }
  return object[key];
}

double ReadNumber(const nlohmann::json& object, const std::string& path, const char* key) {
  const nlohmann::json& value = Field(object, path, key);
  if (!value.is_number()) {
    throw FieldError{"key \"" + (path.empty() ? key : path + "." + key) + "\" is not a number"};
  }
  return value.get<double>();
}

int64_t ReadCount(const nlohmann::json& object, const std::string& path, const char* key) {
  const nlohmann::json& value = Field(object, path, key);
  if (!value.is_number_integer()) {
    throw FieldError{"key \"" + (path.empty() ? key : path + "." + key) + "\" is not an integer"};
  }
  return value.get<int64_t>();
}

std::optional<double> ReadOptionalNumber(const nlohmann::json& object, const char* key) {
  if (Field(object, "", key).is_null()) return std::nullopt;
  return ReadNumber(object, "", key);
}

ClassScores ReadClassScores(const nlohmann::json& report, const char* key) {
  const std::string path = std::string("classification_report.") + key;
  const nlohmann::json& json = Field(report, "classification_report", key);
  ClassScores scores;
  scores.precision = ReadNumber(json, path, "precision");
  scores.recall = ReadNumber(json, path, "recall");
  scores.f1 = ReadNumber(json, path, "f1");
  scores.support = ReadCount(json, path, "support");
  return scores;
}

BinaryMetrics ReadBinaryMetrics(const nlohmann::json& json) {
  if (!json.is_object())
    throw FieldError{"expected an object, got " + std::string(json.type_name())};
  BinaryMetrics m;
  m.rows = ReadCount(json, "", "rows");
  m.positives = ReadCount(json, "", "positives");
  m.threshold = ReadNumber(json, "", "threshold");
  m.accuracy = ReadNumber(json, "", "accuracy");
  m.precision = ReadNumber(json, "", "precision");
  m.recall = ReadNumber(json, "", "recall");
  m.f1 = ReadNumber(json, "", "f1");
  m.roc_auc = ReadOptionalNumber(json, "roc_auc");
  m.average_precision = ReadOptionalNumber(json, "average_precision");
  m.log_loss = ReadNumber(json, "", "log_loss");
  m.brier_score = ReadNumber(json, "", "brier_score");
  const nlohmann::json& confusion = Field(json, "", "confusion_matrix");
  m.confusion.tn = ReadCount(confusion, "confusion_matrix", "tn");
  m.confusion.fp = ReadCount(confusion, "confusion_matrix", "fp");
  m.confusion.fn = ReadCount(confusion, "confusion_matrix", "fn");
  m.confusion.tp = ReadCount(confusion, "confusion_matrix", "tp");
  const nlohmann::json& report = Field(json, "", "classification_report");
  m.report.negative = ReadClassScores(report, "0");
  m.report.positive = ReadClassScores(report, "1");
  m.report.macro_avg = ReadClassScores(report, "macro_avg");
  m.report.weighted_avg = ReadClassScores(report, "weighted_avg");
  m.report.accuracy = ReadNumber(report, "classification_report", "accuracy");
  return m;
}

}  // namespace

nlohmann::json ToJson(const BinaryMetrics& m) {
  nlohmann::json json = {
      {"rows", m.rows},
      {"positives", m.positives},
      {"threshold", m.threshold},
      {"confusion_matrix",
       {{"tn", m.confusion.tn},
        {"fp", m.confusion.fp},
        {"fn", m.confusion.fn},
        {"tp", m.confusion.tp}}},
      {"classification_report",
       {{"0", ClassScoresJson(m.report.negative)},
        {"1", ClassScoresJson(m.report.positive)},
        {"macro_avg", ClassScoresJson(m.report.macro_avg)},
        {"weighted_avg", ClassScoresJson(m.report.weighted_avg)},
        {"accuracy", m.report.accuracy}}},
  };
  for (const NamedMetric& metric : ScalarMetrics(m))
    json[metric.name] = OptionalNumber(metric.value);
  return json;
}

Result<BinaryMetrics> BinaryMetricsFromJson(const nlohmann::json& json) {
  try {
    return ReadBinaryMetrics(json);
  } catch (const FieldError& e) {
    return InvalidArgumentError("metrics JSON: " + e.message);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("metrics JSON: ") + e.what());
  }
}

nlohmann::json ToJson(const FoldSummary& summary) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const FoldSummaryEntry& entry : summary.metrics) {
    if (entry.summary) {
      metrics[entry.name] = {{"mean", entry.summary->mean},
                             {"std", entry.summary->std},
                             {"folds", entry.summary->folds}};
    } else {
      metrics[entry.name] = nullptr;
    }
  }
  return {{"folds", summary.folds}, {"metrics", std::move(metrics)}};
}

}  // namespace churnml
