#include "models/model.h"

#include <string>

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
  return DoPredictProba(x, out);
}

}  // namespace churnml
