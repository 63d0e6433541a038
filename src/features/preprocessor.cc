#include "features/preprocessor.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace churnml {

namespace {

// Rows per block in Transform: the block's slice of the output (block *
// cols doubles) stays in cache while every column writes into it.
constexpr size_t kTransformBlockRows = 512;
// Up to this many categories, levels are matched by comparison, not hashing.
constexpr size_t kLinearCategoryLookup = 16;

std::string Quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

std::string QuotedList(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += Quote(values[i]);
  }
  return out;
}

Result<FeatureColumnTransform> FitNumeric(const ColumnSpec& spec, const ColumnData& data,
                                          size_t num_rows) {
  if (data.numbers.size() != num_rows) {
    return InvalidArgumentError("column " + Quote(spec.name) + " has " +
                                std::to_string(data.numbers.size()) + " values for " +
                                std::to_string(num_rows) + " rows");
  }
  std::vector<double> present;
  present.reserve(num_rows);
  for (double v : data.numbers) {
    if (!std::isnan(v)) present.push_back(v);
  }
  if (present.empty()) {
    return InvalidArgumentError("column " + Quote(spec.name) +
                                " has no non-missing value in the training data");
  }
  FeatureColumnTransform t;
  t.name = spec.name;
  t.type = spec.type;
  // Median as numpy computes it: the mean of the two middle values when the
  // count is even.
  const size_t mid = present.size() / 2;
  std::nth_element(present.begin(), present.begin() + mid, present.end());
  double median = present[mid];
  if (present.size() % 2 == 0) {
    const double lower = *std::max_element(present.begin(), present.begin() + mid);
    median = lower + (median - lower) / 2.0;
  }
  t.median = median;
  double sum = 0.0;
  for (double v : data.numbers) sum += std::isnan(v) ? median : v;
  const double mean = sum / static_cast<double>(num_rows);
  double squares = 0.0;
  for (double v : data.numbers) {
    const double d = (std::isnan(v) ? median : v) - mean;
    squares += d * d;
  }
  const double stddev = std::sqrt(squares / static_cast<double>(num_rows));
  if (!std::isfinite(mean) || !std::isfinite(stddev)) {
    return InvalidArgumentError("column " + Quote(spec.name) +
                                ": mean or standard deviation of the training data is not finite");
  }
  t.mean = mean;
  t.scale = stddev == 0.0 ? 1.0 : stddev;
  return t;
}

Result<FeatureColumnTransform> FitCategorical(const ColumnSpec& spec, const ColumnData& data,
                                              size_t num_rows) {
  if (data.codes.size() != num_rows) {
    return InvalidArgumentError("column " + Quote(spec.name) + " has " +
                                std::to_string(data.codes.size()) + " codes for " +
                                std::to_string(num_rows) + " rows");
  }
  std::vector<size_t> level_counts(data.levels.size(), 0);
  for (int32_t code : data.codes) {
    if (code == kMissingCode) continue;
    if (code < 0 || static_cast<size_t>(code) >= data.levels.size()) {
      return InvalidArgumentError("column " + Quote(spec.name) + ": category code " +
                                  std::to_string(code) + " is out of range");
    }
    ++level_counts[static_cast<size_t>(code)];
  }
  FeatureColumnTransform t;
  t.name = spec.name;
  t.type = ColumnType::kCategorical;
  t.categories = spec.categories;
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < t.categories.size(); ++i) index.emplace(t.categories[i], i);
  std::vector<size_t> counts(t.categories.size(), 0);
  for (size_t level = 0; level < data.levels.size(); ++level) {
    auto it = index.find(data.levels[level]);
    if (it != index.end()) {
      counts[it->second] += level_counts[level];
    } else if (level_counts[level] > 0) {
      index.emplace(data.levels[level], t.categories.size());
      t.categories.push_back(data.levels[level]);
      counts.push_back(level_counts[level]);
    }
  }
  size_t mode = 0;
  for (size_t i = 1; i < counts.size(); ++i) {
    if (counts[i] > counts[mode]) mode = i;
  }
  if (counts.empty() || counts[mode] == 0) {
    return InvalidArgumentError("column " + Quote(spec.name) +
                                " has no non-missing value in the training data");
  }
  t.mode = mode;
  return t;
}

bool SameKind(ColumnType a, ColumnType b) {
  return (a == ColumnType::kCategorical) == (b == ColumnType::kCategorical);
}

}  // namespace

std::string_view UnknownCategoryPolicyName(UnknownCategoryPolicy policy) {
  switch (policy) {
    case UnknownCategoryPolicy::kIgnore:
      return "ignore";
    case UnknownCategoryPolicy::kError:
      return "error";
  }
  return "ignore";
}

Result<UnknownCategoryPolicy> ParseUnknownCategoryPolicy(std::string_view name) {
  if (name == "ignore") return UnknownCategoryPolicy::kIgnore;
  if (name == "error") return UnknownCategoryPolicy::kError;
  return InvalidArgumentError("unknown category policy " + Quote(name) +
                              " (valid: \"ignore\", \"error\")");
}

Preprocessor::Preprocessor(PreprocessorOptions options, std::vector<FeatureColumnTransform> columns)
    : options_(options), columns_(std::move(columns)) {
  auto names = std::make_shared<std::vector<std::string>>();
  size_t offset = 0;
  for (FeatureColumnTransform& c : columns_) {
    c.offset = offset;
    offset += c.width();
    if (c.type == ColumnType::kCategorical) {
      for (const std::string& category : c.categories) names->push_back(c.name + "=" + category);
    } else {
      names->push_back(c.name);
    }
  }
  names_ = std::move(names);
}

const std::vector<std::string>& Preprocessor::feature_names() const {
  static const std::vector<std::string> kNone;
  return names_ ? *names_ : kNone;
}

Result<Preprocessor> Preprocessor::Fit(const Dataset& train, const PreprocessorOptions& options) {
  const Schema& schema = train.schema();
  if (train.num_rows() == 0) {
    return InvalidArgumentError("cannot fit the preprocessor on an empty training set");
  }
  if (schema.feature_indices().empty()) {
    return InvalidArgumentError("schema " + Quote(schema.name()) + " has no feature columns");
  }
  std::vector<FeatureColumnTransform> columns;
  columns.reserve(schema.feature_indices().size());
  for (size_t index : schema.feature_indices()) {
    const ColumnSpec& spec = schema.column(index);
    const ColumnData& data = train.column(index);
    if (spec.type == ColumnType::kCategorical) {
      CHURNML_ASSIGN_OR_RETURN(FeatureColumnTransform t,
                               FitCategorical(spec, data, train.num_rows()));
      columns.push_back(std::move(t));
    } else {
      CHURNML_ASSIGN_OR_RETURN(FeatureColumnTransform t, FitNumeric(spec, data, train.num_rows()));
      columns.push_back(std::move(t));
    }
  }
  return Preprocessor(options, std::move(columns));
}

namespace {

// Every fitted column bound to a dataset: its data and, for categorical
// columns, a table from the dataset's level codes to category positions.
struct BoundColumns {
  std::vector<const ColumnData*> data;
  std::vector<size_t> map_offset;  // categorical: start of its table in `level_map`
  // Every categorical column's table (-1: unknown category), in one
  // allocation: a one-row request (the server) pays for this on every call.
  std::vector<int32_t> level_map;
};

Result<BoundColumns> BindColumns(const std::vector<FeatureColumnTransform>& columns,
                                 const Dataset& data) {
  const Schema& schema = data.schema();
  const size_t rows = data.num_rows();
  BoundColumns bound;
  bound.data.resize(columns.size());
  bound.map_offset.resize(columns.size());
  std::vector<int32_t>& level_map = bound.level_map;
  for (size_t i = 0; i < columns.size(); ++i) {
    const FeatureColumnTransform& c = columns[i];
    const std::optional<size_t> index = schema.IndexOf(c.name);
    if (!index) {
      return InvalidArgumentError("column " + Quote(c.name) + " is missing from the data");
    }
    if (!SameKind(schema.column(*index).type, c.type)) {
      return InvalidArgumentError("column " + Quote(c.name) + " is " +
                                  std::string(ColumnTypeName(schema.column(*index).type)) +
                                  " in the data but was fitted as " +
                                  std::string(ColumnTypeName(c.type)));
    }
    const ColumnData& column = data.column(*index);
    bound.data[i] = &column;
    if (c.type == ColumnType::kCategorical) {
      if (column.codes.size() != rows) {
        return InvalidArgumentError("column " + Quote(c.name) + " has " +
                                    std::to_string(column.codes.size()) + " codes for " +
                                    std::to_string(rows) + " rows");
      }
      bound.map_offset[i] = level_map.size();
      level_map.resize(level_map.size() + column.levels.size(), -1);
      int32_t* map = level_map.data() + bound.map_offset[i];
      if (c.categories.size() <= kLinearCategoryLookup) {
        // A few categories (every Telco column): comparing is cheaper than
        // building a hash table.
        for (size_t level = 0; level < column.levels.size(); ++level) {
          for (size_t k = 0; k < c.categories.size(); ++k) {
            if (column.levels[level] == c.categories[k]) {
              map[level] = static_cast<int32_t>(k);
              break;
            }
          }
        }
      } else {
        std::unordered_map<std::string_view, int32_t> position;
        for (size_t k = 0; k < c.categories.size(); ++k) {
          position.emplace(c.categories[k], static_cast<int32_t>(k));
        }
        for (size_t level = 0; level < column.levels.size(); ++level) {
          auto it = position.find(column.levels[level]);
          if (it != position.end()) map[level] = it->second;
        }
      }
    } else if (column.numbers.size() != rows) {
      return InvalidArgumentError("column " + Quote(c.name) + " has " +
                                  std::to_string(column.numbers.size()) + " values for " +
                                  std::to_string(rows) + " rows");
    }
  }
  return bound;
}

// Visits every cell of the transformed matrix in blocks of rows:
// sink.Number(r, i, value) for numeric column i, sink.Category(r, i,
// position) for a categorical column whose row r is a known category.
// Unknown categories are skipped (all-zero block) or an error, per policy.
template <typename Sink>
Status VisitCells(const std::vector<FeatureColumnTransform>& columns,
                  const PreprocessorOptions& options, const Dataset& data,
                  const BoundColumns& bound, Sink& sink) {
  const size_t rows = data.num_rows();
  // 1-based row number for messages: the source file's row when known.
  auto row_number = [&data, rows](size_t r) {
    return data.source_rows().size() == rows ? data.source_rows()[r] : static_cast<int64_t>(r + 1);
  };
  for (size_t begin = 0; begin < rows; begin += kTransformBlockRows) {
    const size_t end = std::min(rows, begin + kTransformBlockRows);
    for (size_t i = 0; i < columns.size(); ++i) {
      const FeatureColumnTransform& c = columns[i];
      if (c.type != ColumnType::kCategorical) {
        const double* numbers = bound.data[i]->numbers.data();
        for (size_t r = begin; r < end; ++r) {
          const double v = numbers[r];
          sink.Number(r, i, ((std::isnan(v) ? c.median : v) - c.mean) / c.scale);
        }
        continue;
      }
      const int32_t* codes = bound.data[i]->codes.data();
      const int32_t* table = bound.level_map.data() + bound.map_offset[i];
      const int32_t levels = static_cast<int32_t>(bound.data[i]->levels.size());
      for (size_t r = begin; r < end; ++r) {
        const int32_t code = codes[r];
        int32_t category;
        if (code == kMissingCode) {
          category = static_cast<int32_t>(c.mode);
        } else if (code < 0 || code >= levels) {
          return InvalidArgumentError("row " + std::to_string(row_number(r)) + ", column " +
                                      Quote(c.name) + ": category code " + std::to_string(code) +
                                      " is out of range");
        } else {
          category = table[static_cast<size_t>(code)];
        }
        if (category >= 0) {
          sink.Category(r, i, static_cast<size_t>(category));
        } else if (options.unknown_category == UnknownCategoryPolicy::kError) {
          return InvalidArgumentError("row " + std::to_string(row_number(r)) + ", column " +
                                      Quote(c.name) + ": unknown category " +
                                      Quote(bound.data[i]->levels[static_cast<size_t>(code)]) +
                                      " (known: " + QuotedList(c.categories) + ")");
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<FeatureMatrix> Preprocessor::Transform(const Dataset& data) const {
  CHURNML_ASSIGN_OR_RETURN(BoundColumns bound, BindColumns(columns_, data));
  const size_t cols = num_features();
  FeatureMatrix out(data.num_rows(), cols, names_);
  struct DenseSink {
    double* values;
    size_t cols;
    const std::vector<FeatureColumnTransform>& columns;
    void Number(size_t r, size_t i, double v) { values[r * cols + columns[i].offset] = v; }
    void Category(size_t r, size_t i, size_t position) {
      values[r * cols + columns[i].offset + position] = 1.0;
    }
  } sink{out.mutable_values().data(), cols, columns_};
  CHURNML_RETURN_IF_ERROR(VisitCells(columns_, options_, data, bound, sink));
  return out;
}

bool Preprocessor::compact_encodable() const {
  for (const FeatureColumnTransform& c : columns_) {
    if (c.type == ColumnType::kCategorical && c.width() >= CompactFeatureMatrix::kMaxBlockWidth) {
      return false;
    }
  }
  return true;
}

Result<CompactFeatureMatrix> Preprocessor::TransformCompact(const Dataset& data) const {
  if (!compact_encodable()) {
    return InvalidArgumentError("a categorical column has " +
                                std::to_string(CompactFeatureMatrix::kMaxBlockWidth) +
                                " or more categories: too many for the compact matrix");
  }
  CHURNML_ASSIGN_OR_RETURN(BoundColumns bound, BindColumns(columns_, data));
  // Column i's slot among the numeric columns or among the blocks.
  std::vector<size_t> slot(columns_.size());
  std::vector<size_t> numeric_columns;
  std::vector<CompactFeatureMatrix::Block> blocks;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const FeatureColumnTransform& c = columns_[i];
    if (c.type == ColumnType::kCategorical) {
      slot[i] = blocks.size();
      blocks.push_back({c.offset, c.width()});
    } else {
      slot[i] = numeric_columns.size();
      numeric_columns.push_back(c.offset);
    }
  }
  CompactFeatureMatrix out(data.num_rows(), num_features(), std::move(numeric_columns),
                           std::move(blocks), names_);
  struct CompactSink {
    CompactFeatureMatrix& out;
    const std::vector<size_t>& slot;
    void Number(size_t r, size_t i, double v) { out.mutable_numbers(r)[slot[i]] = v; }
    void Category(size_t r, size_t i, size_t position) {
      out.mutable_codes(r)[slot[i]] = static_cast<uint16_t>(position);
    }
  } sink{out, slot};
  CHURNML_RETURN_IF_ERROR(VisitCells(columns_, options_, data, bound, sink));
  return out;
}

}  // namespace churnml
