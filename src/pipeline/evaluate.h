// The evaluate use case: score a labelled CSV with a saved model and compute
// every metric at a threshold. Streams: rows are parsed, scored and dropped a
// chunk at a time; the memory that grows with the file is one probability
// and one label per row (9 bytes).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "common/status.h"
#include "data/validation_issue.h"
#include "eval/binary_metrics.h"
#include "pipeline/calibration_check.h"
#include "pipeline/model_artifact.h"

namespace churnml {

struct EvaluateOptions {
  std::filesystem::path data_path;
  // Empty: the threshold stored in the artifact.
  std::optional<double> threshold;
  int64_t max_issues = 20;
  size_t chunk_bytes = size_t{4} << 20;  // read size, bytes (rows are scored a chunk at a time)
};

struct EvaluateReport {
  int64_t rows = 0;
  double threshold = 0.5;
  BinaryMetrics metrics;
  IssueList issues{20};
  // ECE and reliability table of the probabilities served (calibrated when
  // the artifact holds a calibration) and, for a calibrated artifact, of
  // the model's own probabilities before calibration.
  std::optional<CalibrationCheck> calibration;
  std::optional<CalibrationCheck> uncalibrated;
};

// FailedPrecondition when rows fail validation (they are in report->issues):
// a metric over silently dropped rows would mislead.
Status Evaluate(const ModelArtifact& artifact, const EvaluateOptions& options,
                EvaluateReport* report);

}  // namespace churnml
