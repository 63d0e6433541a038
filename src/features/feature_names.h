// Which raw feature (a schema feature column) each encoded column of a
// Preprocessor comes from: "Contract=Two year" → "Contract". Used to sum
// per-column quantities (coefficients, gains) back to the features a person
// knows. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "features/preprocessor.h"

namespace churnml {

struct RawFeatureMap {
  std::vector<std::string> raw_names;     // schema feature columns, in preprocessor order
  std::vector<uint32_t> raw_of_column;    // per encoded column: index into raw_names
  std::vector<std::string> column_names;  // per encoded column: "tenure", "Contract=Two year"
};

// InvalidArgument when a column's encoded range reaches past the
// preprocessor's feature count or leaves a column unmapped (a damaged
// preprocessor.json), naming the column.
Result<RawFeatureMap> MapColumnsToRawFeatures(const Preprocessor& preprocessor);

}  // namespace churnml
