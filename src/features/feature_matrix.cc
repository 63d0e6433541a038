#include "features/feature_matrix.h"

namespace churnml {

const std::vector<std::string>& FeatureMatrix::feature_names() const {
  static const std::vector<std::string> kNone;
  return names_ ? *names_ : kNone;
}

}  // namespace churnml
