#include "pipeline/evaluate.h"

#include <vector>

#include "common/strings.h"
#include "data/csv_loader.h"

namespace churnml {

Status Evaluate(const ModelArtifact& artifact, const EvaluateOptions& options,
                EvaluateReport* report) {
  LoadOptions load_options;
  load_options.target = TargetPolicy::kRequired;
  // Always drop here: the issues are wanted for the report either way.
  load_options.invalid_rows = InvalidRowPolicy::kDrop;
  load_options.max_issues = options.max_issues;
  load_options.chunk_bytes = options.chunk_bytes;
  // Streamed: each chunk's rows are scored as they arrive and dropped; only
  // a probability and a label per row stay (9 bytes, against about 570 for
  // the whole dataset and its feature matrix), which every metric needs
  // exactly: ROC AUC and average precision sort all the scores.
  load_options.storage = RowStorage::kDiscard;
  std::vector<double> probabilities;
  std::vector<uint8_t> labels;
  std::vector<double> chunk_probabilities;
  std::vector<double> uncalibrated;  // a calibrated artifact's scores before calibration
  load_options.on_rows = [&](const Dataset& rows) -> Status {
    CHURNML_RETURN_IF_ERROR(artifact.PredictProba(rows, &chunk_probabilities));
    probabilities.insert(probabilities.end(), chunk_probabilities.begin(),
                         chunk_probabilities.end());
    if (artifact.calibration()) {
      CHURNML_RETURN_IF_ERROR(artifact.PredictUncalibrated(rows, &chunk_probabilities));
      uncalibrated.insert(uncalibrated.end(), chunk_probabilities.begin(),
                          chunk_probabilities.end());
    }
    labels.insert(labels.end(), rows.target().begin(), rows.target().end());
    return Status::Ok();
  };
  CHURNML_ASSIGN_OR_RETURN(LoadResult loaded,
                           LoadCsv(options.data_path.string(), artifact.schema(), load_options));
  report->issues = loaded.issues;
  if (loaded.issues.count() > 0) {
    return FailedPreconditionError(FormatCount(loaded.issues.count()) + " problem(s) in " +
                                   options.data_path.string() +
                                   "; metrics need every row to be valid");
  }
  report->rows = static_cast<int64_t>(probabilities.size());
  report->threshold = options.threshold.value_or(artifact.threshold());
  CHURNML_ASSIGN_OR_RETURN(report->metrics,
                           ComputeBinaryMetrics(labels, probabilities, report->threshold));
  if (!labels.empty()) {
    CHURNML_ASSIGN_OR_RETURN(report->calibration, CheckCalibration(labels, probabilities));
    if (artifact.calibration()) {
      CHURNML_ASSIGN_OR_RETURN(report->uncalibrated, CheckCalibration(labels, uncalibrated));
    }
  }
  return Status::Ok();
}

}  // namespace churnml
