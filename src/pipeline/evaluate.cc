#include "pipeline/evaluate.h"

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
  CHURNML_ASSIGN_OR_RETURN(LoadResult loaded,
                           LoadCsv(options.data_path.string(), artifact.schema(), load_options));
  report->issues = loaded.issues;
  if (loaded.issues.count() > 0) {
    return FailedPreconditionError(FormatCount(loaded.issues.count()) + " problem(s) in " +
                                   options.data_path.string() +
                                   "; metrics need every row to be valid");
  }
  report->rows = static_cast<int64_t>(loaded.dataset.num_rows());
  report->threshold = options.threshold.value_or(artifact.threshold());
  std::vector<double> probabilities;
  CHURNML_RETURN_IF_ERROR(artifact.PredictProba(loaded.dataset, &probabilities));
  CHURNML_ASSIGN_OR_RETURN(report->metrics, ComputeBinaryMetrics(loaded.dataset.target(),
                                                                 probabilities, report->threshold));
  if (report->rows > 0) {
    CHURNML_ASSIGN_OR_RETURN(report->calibration,
                             CheckCalibration(loaded.dataset.target(), probabilities));
    if (artifact.calibration()) {
      CHURNML_RETURN_IF_ERROR(artifact.PredictUncalibrated(loaded.dataset, &probabilities));
      CHURNML_ASSIGN_OR_RETURN(report->uncalibrated,
                               CheckCalibration(loaded.dataset.target(), probabilities));
    }
  }
  return Status::Ok();
}

}  // namespace churnml
