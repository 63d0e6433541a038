#include "features/feature_names.h"

#include <gtest/gtest.h>

#include "data/row_converter.h"

namespace churnml {
namespace {

TEST(MapColumnsToRawFeatures, MapsOneHotColumnsBackToTheirFeature) {
  // Two rows are enough to fit: every column gets a mode or a median.
  Result<Schema> schema = Schema::FromYamlString(
      "name: t\npositive_label: \"1\"\ncolumns:\n"
      "  - {name: tenure, type: integer}\n"
      "  - {name: Contract, type: categorical, categories: [a, b, c]}\n"
      "  - {name: charges, type: numeric}\n"
      "  - {name: y, role: target, categories: [\"0\", \"1\"]}\n",
      "t.yaml");
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  Dataset rows(*schema);
  RowConverter converter = RowConverter::ForSchema(*schema, TargetPolicy::kRequired);
  IssueList issues(10);
  RowScratch scratch;
  std::vector<std::string_view> r1 = {"1", "a", "2.5", "0"}, r2 = {"3", "c", "4.5", "1"};
  ASSERT_TRUE(converter.Convert(r1, 1, &rows, &issues, &scratch));
  ASSERT_TRUE(converter.Convert(r2, 2, &rows, &issues, &scratch));
  Result<Preprocessor> pre = Preprocessor::Fit(rows, {});
  ASSERT_TRUE(pre.ok()) << pre.status().message();

  Result<RawFeatureMap> map = MapColumnsToRawFeatures(*pre);
  ASSERT_TRUE(map.ok()) << map.status().message();
  EXPECT_EQ(map->raw_names, (std::vector<std::string>{"tenure", "Contract", "charges"}));
  EXPECT_EQ(map->column_names, (std::vector<std::string>{"tenure", "Contract=a", "Contract=b",
                                                         "Contract=c", "charges"}));
  EXPECT_EQ(map->raw_of_column, (std::vector<uint32_t>{0, 1, 1, 1, 2}));
}

}  // namespace
}  // namespace churnml
