#include "data/dataset.h"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>

namespace churnml {
namespace {

ColumnSpec Col(std::string name, ColumnRole role, ColumnType type,
               std::vector<std::string> categories = {}) {
  ColumnSpec c;
  c.name = std::move(name);
  c.role = role;
  c.type = type;
  c.categories = std::move(categories);
  return c;
}

TEST(Dataset, CategoricalLevelsComeFromTheSchema) {
  Dataset d(Schema::Telco());
  EXPECT_EQ(d.column(*Schema::Telco().IndexOf("Contract")).levels,
            (std::vector<std::string>{"Month-to-month", "One year", "Two year"}));
  EXPECT_TRUE(d.column(0).levels.empty());  // id column carries no data
  EXPECT_EQ(d.num_rows(), 0u);
  EXPECT_TRUE(d.has_target());
}

TEST(Dataset, SelectGathersRowsInTheGivenOrder) {
  ColumnSpec id = Col("id", ColumnRole::kId, ColumnType::kCategorical);
  ColumnSpec x = Col("x", ColumnRole::kFeature, ColumnType::kNumeric);
  ColumnSpec c = Col("c", ColumnRole::kFeature, ColumnType::kCategorical, {"a", "b"});
  ColumnSpec y = Col("y", ColumnRole::kTarget, ColumnType::kCategorical, {"n", "p"});
  Result<Schema> s = Schema::Create("t", {id, x, c, y}, "p");
  ASSERT_TRUE(s.ok());
  Dataset d(*s);
  d.mutable_ids() = {"r0", "r1", "r2"};
  d.mutable_column(1).numbers = {0.5, 1.5, 2.5};
  d.mutable_column(2).codes = {0, 1, kMissingCode};
  d.mutable_target() = {0, 1, 1};
  d.mutable_source_rows() = {1, 2, 3};
  d.set_num_rows(3);

  Dataset sel = d.Select({2, 0});
  EXPECT_EQ(sel.num_rows(), 2u);
  EXPECT_EQ(sel.ids(), (std::vector<std::string>{"r2", "r0"}));
  EXPECT_EQ(sel.column(1).numbers, (std::vector<double>{2.5, 0.5}));
  EXPECT_EQ(sel.column(2).codes, (std::vector<int32_t>{kMissingCode, 0}));
  EXPECT_EQ(sel.column(2).levels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sel.target(), (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(sel.source_rows(), (std::vector<int64_t>{3, 1}));

  d.Clear();
  EXPECT_EQ(d.num_rows(), 0u);
  EXPECT_TRUE(d.ids().empty());
  EXPECT_TRUE(d.column(1).numbers.empty());
  EXPECT_TRUE(d.column(2).codes.empty());
  EXPECT_EQ(d.column(2).levels, (std::vector<std::string>{"a", "b"}));  // closed vocabulary kept
  EXPECT_TRUE(d.target().empty());
  EXPECT_TRUE(d.source_rows().empty());
}

}  // namespace
}  // namespace churnml

namespace churnml {
namespace {

TEST(Dataset, AppendRemapsOpenVocabularyCodes) {
  ColumnSpec c;
  c.name = "city";
  c.type = ColumnType::kCategorical;
  Result<Schema> s = Schema::Create("t", {c}, "");
  ASSERT_TRUE(s.ok());
  Dataset a(*s);
  a.mutable_column(0).levels = {"Paris", "Rome"};
  a.mutable_column(0).codes = {0, 1};
  a.mutable_ids() = {"", ""};
  a.set_num_rows(2);
  Dataset b(*s);
  b.mutable_column(0).levels = {"Oslo", "Paris"};
  b.mutable_column(0).codes = {1, 0, kMissingCode};
  b.mutable_ids() = {"", "", ""};
  b.set_num_rows(3);
  ASSERT_TRUE(a.Append(b).ok());
  EXPECT_EQ(a.num_rows(), 5u);
  EXPECT_EQ(a.column(0).levels, (std::vector<std::string>{"Paris", "Rome", "Oslo"}));
  EXPECT_EQ(a.column(0).codes, (std::vector<int32_t>{0, 1, 0, 2, kMissingCode}));
}

TEST(Dataset, PartitionEqualsTwoSelectsAndEmptiesTheSource) {
  ColumnSpec id = Col("id", ColumnRole::kId, ColumnType::kCategorical);
  ColumnSpec x = Col("x", ColumnRole::kFeature, ColumnType::kNumeric);
  ColumnSpec c = Col("c", ColumnRole::kFeature, ColumnType::kCategorical);
  ColumnSpec y = Col("y", ColumnRole::kTarget, ColumnType::kCategorical, {"n", "p"});
  Result<Schema> s = Schema::Create("t", {id, x, c, y}, "p");
  ASSERT_TRUE(s.ok());
  Dataset d(*s);
  d.mutable_ids() = {"r0", "r1", "r2", "r3", "r4"};
  d.mutable_column(1).numbers = {0.5, 1.5, 2.5, kMissingNumber, 4.5};
  d.mutable_column(2).levels = {"Rome", "Oslo"};  // an open vocabulary, in order of sight
  d.mutable_column(2).codes = {0, 1, kMissingCode, 1, 0};
  d.mutable_target() = {0, 1, 1, 0, 1};
  d.mutable_source_rows() = {2, 3, 5, 8, 13};
  d.set_num_rows(5);
  const std::vector<size_t> a_rows = {4, 0, 2};
  const std::vector<size_t> b_rows = {3, 1};
  const Dataset a_expected = d.Select(a_rows);
  const Dataset b_expected = d.Select(b_rows);
  Dataset a, b;
  PartitionDataset(std::move(d), a_rows, b_rows, &a, &b);
  for (const auto& [got, want] : {std::pair(&a, &a_expected), std::pair(&b, &b_expected)}) {
    EXPECT_EQ(got->num_rows(), want->num_rows());
    EXPECT_EQ(got->ids(), want->ids());
    EXPECT_EQ(got->target(), want->target());
    EXPECT_EQ(got->source_rows(), want->source_rows());
    EXPECT_EQ(got->column(2).codes, want->column(2).codes);
    EXPECT_EQ(got->column(2).levels, want->column(2).levels);
    ASSERT_EQ(got->column(1).numbers.size(), want->column(1).numbers.size());
    for (size_t r = 0; r < got->num_rows(); ++r) {
      const double g = got->column(1).numbers[r];
      const double w = want->column(1).numbers[r];
      EXPECT_TRUE(g == w || (std::isnan(g) && std::isnan(w))) << r;
    }
  }
  EXPECT_EQ(d.num_rows(), 0u);  // NOLINT(bugprone-use-after-move): the contract leaves it empty
  EXPECT_TRUE(d.ids().empty());
  EXPECT_TRUE(d.column(1).numbers.empty());
}

}  // namespace
}  // namespace churnml
