// Preprocessor: turns a Dataset's feature columns into a FeatureMatrix.
//
// Fitted on the training split only:
//  - numeric and integer columns: missing values imputed with the training
//    median, then standard-scaled with the mean and standard deviation
//    (population, ddof 0) of the imputed training values; a standard
//    deviation of 0 is replaced by 1;
//  - categorical columns: missing values imputed with the training mode (ties
//    go to the earlier level), then one-hot encoded, not scaled. The
//    categories are the schema's closed vocabulary, if any, followed by
//    any other level seen in the training rows. Categories are matched by
//    string, so datasets that number their levels differently still agree.
// Output columns follow the schema's feature order; a categorical column
// contributes one column per category, named "Column=value".
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "data/dataset.h"
#include "data/schema.h"
#include "features/compact_feature_matrix.h"
#include "features/feature_matrix.h"

namespace churnml {

// What Transform does with a category that was not known at fit time.
enum class UnknownCategoryPolicy {
  kIgnore,  // all-zero one-hot block for that column
  kError,   // InvalidArgument naming the row, the column and the value
};

std::string_view UnknownCategoryPolicyName(UnknownCategoryPolicy policy);  // "ignore", "error"
Result<UnknownCategoryPolicy> ParseUnknownCategoryPolicy(std::string_view name);

struct PreprocessorOptions {
  UnknownCategoryPolicy unknown_category = UnknownCategoryPolicy::kIgnore;
};

// How one schema feature column becomes output columns.
struct FeatureColumnTransform {
  std::string name;  // schema column name
  ColumnType type = ColumnType::kNumeric;
  size_t offset = 0;  // first output column
  // Numeric and integer columns.
  double median = 0.0;
  double mean = 0.0;
  double scale = 1.0;  // standard deviation, or 1 when it is 0
  // Categorical columns: one output column per category, in this order.
  std::vector<std::string> categories;
  size_t mode = 0;  // index into categories used for missing cells

  size_t width() const { return type == ColumnType::kCategorical ? categories.size() : 1; }
};

class Preprocessor {
 public:
  Preprocessor() = default;

  // Fits on `train`. InvalidArgument when the data has no rows, no feature
  // columns, or a feature column with no non-missing value (naming it).
  static Result<Preprocessor> Fit(const Dataset& train, const PreprocessorOptions& options);

  // Transforms every row of `data`, whose schema must contain each fitted
  // column by name with the same kind (categorical vs numeric). Const and
  // thread-safe: concurrent calls on one Preprocessor are fine.
  Result<FeatureMatrix> Transform(const Dataset& data) const;

  // The same matrix as Transform, compact (one value per numeric column,
  // one code per one-hot block: see compact_feature_matrix.h); same errors.
  // InvalidArgument too when !compact_encodable(). Const and thread-safe.
  Result<CompactFeatureMatrix> TransformCompact(const Dataset& data) const;
  // Whether every one-hot block is narrow enough for TransformCompact.
  bool compact_encodable() const;

  // Serialization for preprocessor.json. Doubles round-trip exactly, so a
  // reloaded preprocessor produces bit-identical features. FromJson errors
  // name the offending field.
  nlohmann::json ToJson() const;
  static Result<Preprocessor> FromJson(const nlohmann::json& j);

  size_t num_features() const { return names_ ? names_->size() : 0; }
  const std::vector<std::string>& feature_names() const;
  const std::vector<FeatureColumnTransform>& columns() const { return columns_; }
  const PreprocessorOptions& options() const { return options_; }

 private:
  Preprocessor(PreprocessorOptions options, std::vector<FeatureColumnTransform> columns);

  PreprocessorOptions options_;
  std::vector<FeatureColumnTransform> columns_;
  // Immutable after construction; shared with every FeatureMatrix produced.
  std::shared_ptr<const std::vector<std::string>> names_;
};

}  // namespace churnml
