#include "models/model.h"

#include <string>

#include "common/strings.h"

namespace churnml {

Status Model::PredictProba(const FeatureMatrix& x, std::span<double> out) const {
  if (x.cols() != num_features()) {
    return InvalidArgumentError(std::string(kind()) + " model expects " +
                                std::to_string(num_features()) + " features, got " +
                                std::to_string(x.cols()));
  }
  if (out.size() != x.rows()) {
    return InvalidArgumentError("prediction buffer holds " + std::to_string(out.size()) +
                                " values for " + std::to_string(x.rows()) + " rows");
  }
  if (x.rows() == 0) return Status::Ok();
  CHURNML_RETURN_IF_ERROR(DoPredictProba(x, out));
  // A damaged or hostile artifact can make a model compute something that
  // is not a probability (NaN from infinite features, values outside
  // [0, 1]); no caller ever sees one.
  for (size_t r = 0; r < out.size(); ++r) {
    if (!(out[r] >= 0.0 && out[r] <= 1.0)) {
      return InternalError(std::string(kind()) + " model computed " + FormatDouble(out[r]) +
                           " for row " + std::to_string(r + 1) +
                           ", not a probability (is the artifact damaged?)");
    }
  }
  return Status::Ok();
}

}  // namespace churnml
