// Export of a model artifact — preprocessing, model and calibration — as one
// ONNX graph that another runtime (ONNX Runtime, Triton) scores like
// `churnml predict`. docs/export.md describes the graph's inputs and
// outputs, its operators, the numeric tolerance and what is refused.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "models/model_registry.h"
#include "pipeline/model_artifact.h"

namespace churnml {

struct OnnxInputInfo {
  std::string name;  // the schema column
  std::string type;  // "double" (numeric, NaN = missing) or "string" (categorical, "" = missing)
};

struct OnnxExport {
  std::string bytes;  // the serialized onnx.ModelProto
  std::vector<OnnxInputInfo> inputs;
  std::string model_kind;   // "logistic" or "xgboost"
  std::string calibration;  // "none" or "platt"
  double threshold = 0.5;   // the label output is probability >= threshold
};

// Builds the graph for `artifact` (checked by onnx::checker::check_model).
// Outputs: "probability" (float [N], the positive class, calibrated when the
// artifact is) and "label" (int64 [N], probability >= the artifact's
// threshold). FailedPrecondition, one line naming the part, when a part of
// the artifact has no exact ONNX form (a model kind other than logistic or
// xgboost, isotonic calibration, a file in the artifact the export does not
// understand); InvalidArgument for values ONNX cannot hold (a weight beyond
// float32) or a column name that clashes with the graph's own names.
Result<OnnxExport> ExportOnnx(const ModelArtifact& artifact);

// Writes `exported.bytes` to `path` crash-safely (temporary file + rename;
// an existing file is replaced).
Status WriteOnnxFile(const OnnxExport& exported, const std::filesystem::path& path);

}  // namespace churnml
