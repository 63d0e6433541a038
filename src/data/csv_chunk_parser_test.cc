#include "data/csv_chunk_parser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "data/synthetic_generator.h"

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

// The bytes of a double: NaN (a missing value) compares equal to itself.
std::string Bits(const std::vector<double>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

// Parses `text` (data records, no header) both ways and checks that rows,
// issues and kept text are identical, bit for bit.
void ExpectFusedEqualsTokenized(const Schema& schema, const std::vector<std::string>& header,
                                TargetPolicy policy, const std::string& text,
                                const std::vector<size_t>& keep_fields = {},
                                std::span<const std::string> read_past = {}) {
  SCOPED_TRACE(text.substr(0, 200));
  Result<RowConverter> converter = RowConverter::Bind(schema, header, policy, nullptr, read_past);
  ASSERT_TRUE(converter.ok()) << converter.status().message();
  ChunkParseOptions fused_options;
  fused_options.keep_fields = keep_fields;
  ChunkParseOptions old_options = fused_options;
  old_options.path = ChunkParseOptions::RecordPath::kTokenizeThenConvert;
  CsvChunk fused_chunk{text, 0, 7};
  CsvChunk old_chunk{text, 0, 7};
  Result<ChunkParseResult> fused = ParseCsvChunk(fused_chunk, *converter, "e.csv", fused_options);
  Result<ChunkParseResult> old = ParseCsvChunk(old_chunk, *converter, "e.csv", old_options);
  ASSERT_EQ(fused.ok(), old.ok());
  if (!old.ok()) {
    EXPECT_EQ(fused.status().message(), old.status().message());
    return;
  }
  EXPECT_EQ(fused->records, old->records);
  EXPECT_EQ(fused->invalid, old->invalid);
  EXPECT_EQ(fused->kept, old->kept);
  EXPECT_EQ(fused->issues.issues(), old->issues.issues());
  EXPECT_EQ(fused->issues.count(), old->issues.count());
  const Dataset& a = fused->rows;
  const Dataset& b = old->rows;
  ASSERT_EQ(a.num_rows(), b.num_rows());
  EXPECT_EQ(a.ids(), b.ids());
  EXPECT_EQ(a.source_rows(), b.source_rows());
  EXPECT_EQ(a.target(), b.target());
  for (size_t c = 0; c < schema.num_columns(); ++c) {
    EXPECT_EQ(Bits(a.column(c).numbers), Bits(b.column(c).numbers)) << schema.column(c).name;
    EXPECT_EQ(a.column(c).codes, b.column(c).codes) << schema.column(c).name;
    EXPECT_EQ(a.column(c).levels, b.column(c).levels) << schema.column(c).name;
  }
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(CHURNML_SOURCE_DIR) + "/src/data/testdata/" + name,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The Telco fixture's data records (after its BOM and header) and header.
std::pair<std::vector<std::string>, std::string> TelcoFixture() {
  std::string text = ReadFixture("telco_small.csv");
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  const size_t eol = text.find('\n');
  std::vector<std::string> header;
  std::string line = text.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::stringstream names(line);
  for (std::string name; std::getline(names, name, ',');) header.push_back(name);
  return {header, text.substr(eol + 1)};
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

TEST(ParseCsvChunk, FusedPathEqualsTokenizeThenConvertOnTelcoEdgeCases) {
  auto [header, records] = TelcoFixture();
  ASSERT_GT(records.size(), 100u);
  // And 500 generated rows after the fixture's, for every level and range.
  SyntheticGenerator generator(GeneratorOptions{500, 3});
  while (generator.AppendRow(&records)) {
  }
  const std::string first_two = records.substr(0, records.find('\n', records.find('\n') + 1) + 1);
  const std::vector<std::string> cases = {
      records,                                                     // the fixture as it is
      Replace(records, "\n", "\r\n"),                              // CRLF
      Replace(records, "\n", "\r"),                                // old-Mac lone CR
      Replace(records, "\n", "\n\n  \n\t\n"),                      // blank and blank-looking lines
      Replace(records, ",No,", ",\"No\","),                        // quoted fields
      Replace(records, "Fiber optic", "\"Fiber \"\"optic\"\"\""),  // doubled quotes
      Replace(records, ",Yes,", ", Yes\t,"),                       // blanks around values
      Replace(records, ",Male,", ",,"),                            // empty non-nullable field
      Replace(records, ",DSL,", ",dsl,"),                          // value outside the vocabulary
      Replace(records, ",1,", ",+1,"),                             // a sign
      Replace(records, ",34,", ",999,"),                           // outside the range
      Replace(records, ",34,", ",3.4,"),                           // not an integer
      Replace(records, ",29.85,", ",nan,"),                        // not a finite number
      Replace(records, ",29.85,", ",2.985e1,"),                    // an exponent
      Replace(records, ",56.95,", ",,"),                           // a missing number
      Replace(records, ",No\n", ",Maybe\n"),                       // not a target value
      Replace(records, ",No\n", ",No,extra\n"),                    // too many fields
      Replace(records, ",One year,", ","),                         // too few fields
      Replace(records, "\n7", "\n 7"),                             // a blank before the id
      records.substr(0, records.size() - 1),                       // no line end at the end
      first_two + "bad\"quote,Male\n",  // a quote inside a field: an error
      first_two + "\"open,Male\n",      // unterminated quote: an error
  };
  for (const std::string& text : cases) {
    ExpectFusedEqualsTokenized(Schema::Telco(), header, TargetPolicy::kRequired, text);
    ExpectFusedEqualsTokenized(Schema::Telco(), header, TargetPolicy::kIgnore, text, {1, 17});
  }
}

TEST(ParseCsvChunk, FusedPathEqualsTokenizeThenConvertOnByteOrderMarkFixture) {
  // bom_crlf.csv: a BOM, CRLF line ends and a quoted field with a comma.
  std::string text = ReadFixture("bom_crlf.csv");
  ASSERT_EQ(text.rfind("\xEF\xBB\xBF"
                       "a,b\r\n",
                       0),
            0u);
  Result<Schema> schema = Schema::FromYamlString(
      "name: two\ncolumns:\n"
      "  - {name: a, type: integer}\n"
      "  - {name: b, type: categorical}\n",
      "two.yaml");
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  ExpectFusedEqualsTokenized(*schema, {"a", "b"}, TargetPolicy::kIgnore, text.substr(8), {1});
  ExpectFusedEqualsTokenized(*schema, {"a", "b"}, TargetPolicy::kIgnore, "1,x\r\n2,y\r\n3,x\r\n",
                             {1});
}

TEST(ParseCsvChunk, FusedPathEqualsTokenizeThenConvertWithOpenVocabularyAndExtraColumns) {
  Result<Schema> schema = Schema::FromYamlString(
      "name: open\npositive_label: \"1\"\ncolumns:\n"
      "  - {name: id, role: id, type: categorical}\n"
      "  - {name: city, type: categorical}\n"
      "  - {name: amount, type: numeric, nullable: true, min: 0}\n"
      "  - {name: y, role: target, type: categorical, categories: [\"0\", \"1\"]}\n",
      "open.yaml");
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  const std::vector<std::string> header = {"id", "note", "city", "amount", "y"};
  const std::vector<std::string> read_past = {"note"};
  const std::string text =
      "a,n1,Paris,1.5,1\n"
      "b,,Lyon,,0\n"
      "c,\"n,3\",Paris,-2,1\n"  // quoted extra field; amount below the minimum
      "d,n4, Nice ,0.1,0\r\n"
      "e,n5,,7,1\n"
      "\n"
      "f,n6,Lyon,1e400,0\n"  // out of double range
      "g,n7,Lyon,3,1";
  for (TargetPolicy policy : {TargetPolicy::kRequired, TargetPolicy::kIgnore}) {
    ExpectFusedEqualsTokenized(*schema, header, policy, text, {1, 3}, read_past);
  }
}

}  // namespace
}  // namespace churnml
