#include "features/feature_names.h"

namespace churnml {

Result<RawFeatureMap> MapColumnsToRawFeatures(const Preprocessor& preprocessor) {
  RawFeatureMap map;
  const size_t n = preprocessor.num_features();
  constexpr uint32_t kUnmapped = UINT32_MAX;
  map.raw_of_column.assign(n, kUnmapped);
  for (const FeatureColumnTransform& column : preprocessor.columns()) {
    const auto raw = static_cast<uint32_t>(map.raw_names.size());
    map.raw_names.push_back(column.name);
    if (column.offset > n || column.width() > n - column.offset) {
      return InvalidArgumentError("preprocessor column \"" + column.name + "\" reaches past the " +
                                  std::to_string(n) + " encoded features");
    }
    for (size_t k = 0; k < column.width(); ++k) map.raw_of_column[column.offset + k] = raw;
  }
  for (size_t c = 0; c < n; ++c) {
    if (map.raw_of_column[c] == kUnmapped) {
      return InvalidArgumentError("encoded feature " + std::to_string(c) +
                                  " belongs to no preprocessor column");
    }
  }
  map.column_names = preprocessor.feature_names();
  return map;
}

}  // namespace churnml
