#include "data/dataset.h"

#include <algorithm>
#include <utility>

namespace churnml {

Dataset::Dataset(Schema schema) : schema_(std::move(schema)) {
  columns_.resize(schema_.num_columns());
  for (size_t i = 0; i < schema_.num_columns(); ++i) {
    const ColumnSpec& c = schema_.column(i);
    if (c.role == ColumnRole::kFeature && c.type == ColumnType::kCategorical) {
      columns_[i].levels = c.categories;
    }
  }
}

void Dataset::Clear() {
  num_rows_ = 0;
  ids_.clear();
  target_.clear();
  source_rows_.clear();
  for (size_t i = 0; i < columns_.size(); ++i) {
    ColumnData& column = columns_[i];
    column.numbers.clear();
    column.codes.clear();
    const ColumnSpec& c = schema_.column(i);
    // An open vocabulary's levels came from the rows; a closed one's from the schema.
    if (c.type == ColumnType::kCategorical && c.categories.empty()) column.levels.clear();
  }
}

void Dataset::Reserve(size_t rows) {
  if (schema_.id_index()) ids_.reserve(rows);
  target_.reserve(rows);
  source_rows_.reserve(rows);
  for (size_t i : schema_.feature_indices()) {
    if (schema_.column(i).type == ColumnType::kCategorical) {
      columns_[i].codes.reserve(rows);
    } else {
      columns_[i].numbers.reserve(rows);
    }
  }
}

namespace {

template <typename T>
std::vector<T> Gather(const std::vector<T>& from, const std::vector<size_t>& rows) {
  std::vector<T> out;
  if (from.empty()) return out;
  out.reserve(rows.size());
  for (size_t r : rows) out.push_back(from[r]);
  return out;
}

}  // namespace

Dataset Dataset::Select(const std::vector<size_t>& rows) const {
  Dataset out;
  out.schema_ = schema_;
  out.num_rows_ = rows.size();
  out.ids_ = Gather(ids_, rows);
  out.target_ = Gather(target_, rows);
  out.source_rows_ = Gather(source_rows_, rows);
  out.columns_.resize(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    out.columns_[i].levels = columns_[i].levels;
    out.columns_[i].numbers = Gather(columns_[i].numbers, rows);
    out.columns_[i].codes = Gather(columns_[i].codes, rows);
  }
  return out;
}

}  // namespace churnml

namespace churnml {

Status Dataset::Append(const Dataset& other) {
  if (!(other.schema_ == schema_)) {
    return InvalidArgumentError("cannot append a dataset of schema \"" + other.schema_.name() +
                                "\" to one of schema \"" + schema_.name() + "\"");
  }
  if (other.num_rows_ == 0) return Status::Ok();
  if (num_rows_ > 0 && has_target() != other.has_target()) {
    return InvalidArgumentError("cannot append a dataset without a target to one with a target");
  }
  ids_.insert(ids_.end(), other.ids_.begin(), other.ids_.end());
  target_.insert(target_.end(), other.target_.begin(), other.target_.end());
  source_rows_.insert(source_rows_.end(), other.source_rows_.begin(), other.source_rows_.end());
  for (size_t i = 0; i < columns_.size(); ++i) {
    ColumnData& to = columns_[i];
    const ColumnData& from = other.columns_[i];
    to.numbers.insert(to.numbers.end(), from.numbers.begin(), from.numbers.end());
    if (from.levels == to.levels) {
      to.codes.insert(to.codes.end(), from.codes.begin(), from.codes.end());
      continue;
    }
    // Open vocabulary: translate the other side's codes to ours.
    std::vector<int32_t> remap(from.levels.size());
    for (size_t l = 0; l < from.levels.size(); ++l) {
      auto it = std::find(to.levels.begin(), to.levels.end(), from.levels[l]);
      if (it == to.levels.end()) {
        to.levels.push_back(from.levels[l]);
        it = to.levels.end() - 1;
      }
      remap[l] = static_cast<int32_t>(it - to.levels.begin());
    }
    for (int32_t code : from.codes) to.codes.push_back(code == kMissingCode ? code : remap[code]);
  }
  num_rows_ += other.num_rows_;
  return Status::Ok();
}

namespace {

// Gathers `rows` of `from` into `*to`, then releases `from`'s memory.
template <typename T>
void GatherInto(const std::vector<size_t>& rows, const std::vector<T>& from, std::vector<T>* to) {
  to->clear();
  if (from.empty()) return;
  to->reserve(rows.size());
  for (size_t r : rows) to->push_back(from[r]);
}

template <typename T>
void SplitColumn(std::vector<T>* from, const std::vector<size_t>& first_rows,
                 const std::vector<size_t>& second_rows, std::vector<T>* first,
                 std::vector<T>* second) {
  GatherInto(first_rows, *from, first);
  GatherInto(second_rows, *from, second);
  std::vector<T>().swap(*from);
}

}  // namespace

void PartitionDataset(Dataset&& source, const std::vector<size_t>& first_rows,
                      const std::vector<size_t>& second_rows, Dataset* first, Dataset* second) {
  const Schema& schema = source.schema();
  *first = Dataset(schema);
  *second = Dataset(schema);
  SplitColumn(&source.mutable_ids(), first_rows, second_rows, &first->mutable_ids(),
              &second->mutable_ids());
  SplitColumn(&source.mutable_target(), first_rows, second_rows, &first->mutable_target(),
              &second->mutable_target());
  SplitColumn(&source.mutable_source_rows(), first_rows, second_rows, &first->mutable_source_rows(),
              &second->mutable_source_rows());
  for (size_t i = 0; i < schema.num_columns(); ++i) {
    ColumnData& from = source.mutable_column(i);
    ColumnData& a = first->mutable_column(i);
    ColumnData& b = second->mutable_column(i);
    a.levels = from.levels;
    b.levels = from.levels;
    SplitColumn(&from.numbers, first_rows, second_rows, &a.numbers, &b.numbers);
    SplitColumn(&from.codes, first_rows, second_rows, &a.codes, &b.codes);
  }
  first->set_num_rows(first_rows.size());
  second->set_num_rows(second_rows.size());
  source = Dataset(schema);
}

}  // namespace churnml
