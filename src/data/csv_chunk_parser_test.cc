#include "data/csv_chunk_parser.h"

#include <gtest/gtest.h>

#include "common/strings.h"

namespace churnml {
namespace {

// A two-feature schema: id, x (integer), target y.
Schema SmallSchema() {
  Result<Schema> s = Schema::FromYamlString(
      "name: small\npositive_label: \"1\"\ncolumns:\n"
      "  - {name: id, role: id, type: categorical}\n"
      "  - {name: x, type: integer}\n"
      "  - {name: y, role: target, type: categorical, categories: [\"0\", \"1\"]}\n",
      "small.yaml");
  EXPECT_TRUE(s.ok()) << s.status().message();
  return *s;
}

TEST(ParseCsvChunk, KeepsTheTextOfKeptFieldsForValidRowsOnly) {
  const Schema schema = SmallSchema();
  const std::vector<std::string> header = {"id", "note", "x", "y"};
  const std::vector<std::string> read_past = {"note"};
  Result<RowConverter> converter =
      RowConverter::Bind(schema, header, TargetPolicy::kIgnore, nullptr, read_past);
  ASSERT_TRUE(converter.ok()) << converter.status().message();
  CsvChunk chunk;
  chunk.bytes =
      "a,\"north, \"\"east\"\"\",1,0\n"
      "b,south,not-a-number,1\n"  // invalid: no kept text for it
      "c,\"two\nlines\",3,1\n"
      "d,,4,0\n";
  ChunkParseOptions options;
  options.keep_fields = {1, 2};
  Result<ChunkParseResult> r = ParseCsvChunk(chunk, *converter, "t.csv", options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->records, 4);
  EXPECT_EQ(r->invalid, 1);
  ASSERT_EQ(r->rows.num_rows(), 3u);
  EXPECT_EQ(r->kept,
            (std::vector<std::string>{"north, \"east\"", "1", "two\nlines", "3", "", "4"}));
}

TEST(ParseCsvChunk, KeepsNothingWithoutKeepFields) {
  const Schema schema = SmallSchema();
  Result<RowConverter> converter =
      RowConverter::Bind(schema, {"id", "x", "y"}, TargetPolicy::kIgnore, nullptr);
  ASSERT_TRUE(converter.ok());
  CsvChunk chunk;
  chunk.bytes = "a,1,0\nb,2,1\n";
  Result<ChunkParseResult> r = ParseCsvChunk(chunk, *converter, "t.csv");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows.num_rows(), 2u);
  EXPECT_TRUE(r->kept.empty());
}

TEST(RowConverterBind, ReadsPastOnlyTheNamedExtraColumns) {
  const Schema schema = SmallSchema();
  const std::vector<std::string> header = {"id", "note", "x", "region", "y"};
  const std::vector<std::string> note_only = {"note"};
  Result<RowConverter> r =
      RowConverter::Bind(schema, header, TargetPolicy::kIgnore, nullptr, note_only);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown column \"region\""), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("\"note\""), std::string::npos) << r.status().message();
  const std::vector<std::string> both = {"note", "region"};
  r = RowConverter::Bind(schema, header, TargetPolicy::kIgnore, nullptr, both);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->num_fields(), header.size());
}

}  // namespace
}  // namespace churnml
