#include "data/csv_record_parser.h"

#include <gtest/gtest.h>

namespace churnml {
namespace {

using Records = std::vector<std::vector<std::string>>;

Result<Records> ParseAll(std::string text) {
  CsvRecordParser parser(text.data(), text.size(), 1, "t.csv");
  Records out;
  CsvRecord record;
  while (true) {
    CHURNML_ASSIGN_OR_RETURN(bool got, parser.Next(&record));
    if (!got) break;
    out.emplace_back(record.fields.begin(), record.fields.end());
  }
  return out;
}

TEST(CsvRecordParser, SplitsPlainFields) {
  Result<Records> r = ParseAll("a,b,c\n1,,3\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Records{{"a", "b", "c"}, {"1", "", "3"}}));
}

TEST(CsvRecordParser, QuotedFieldsKeepCommasQuotesAndNewlines) {
  Result<Records> r = ParseAll("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Records{{"a,b", "say \"hi\"", "two\nlines"}}));
}

TEST(CsvRecordParser, AcceptsCrLfLineEnds) {
  Result<Records> r = ParseAll("a,b\r\n1,2\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Records{{"a", "b"}, {"1", "2"}}));
}

TEST(CsvRecordParser, AcceptsMissingTrailingNewline) {
  Result<Records> r = ParseAll("a,b\n1,2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Records{{"a", "b"}, {"1", "2"}}));
}

TEST(CsvRecordParser, SkipsBlankLines) {
  Result<Records> r = ParseAll("a,b\n\n  \r\n1,2\n\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Records{{"a", "b"}, {"1", "2"}}));
}

TEST(CsvRecordParser, KeepsEmptyLastField) {
  Result<Records> r = ParseAll("a,\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Records{{"a", ""}}));
}

TEST(CsvRecordParser, ReportsLinesAcrossQuotedNewlines) {
  std::string text = "a\n\"x\ny\"\nb\n";
  CsvRecordParser parser(text.data(), text.size(), 10, "t.csv");
  CsvRecord record;
  std::vector<int64_t> lines;
  while (*parser.Next(&record)) lines.push_back(record.line);
  EXPECT_EQ(lines, (std::vector<int64_t>{10, 11, 13}));
}

TEST(CsvRecordParser, UnterminatedQuoteNamesTheLine) {
  Result<Records> r = ParseAll("a,b\n1,2\n3,\"oops\n4,5\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.csv:3: unterminated quoted field (a '\"' opened here is never closed)");
}

TEST(CsvRecordParser, QuoteInsideUnquotedFieldIsAnError) {
  Result<Records> r = ParseAll("a,b\n1,2\"x\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.csv:2: a '\"' inside an unquoted field (quote the whole field and double the "
            "quote)");
}

TEST(CsvRecordParser, TextAfterClosingQuoteIsAnError) {
  Result<Records> r = ParseAll("\"a\"b,c\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.csv:1: unexpected character 'b' after a closing quote (expected a comma or a line "
            "end)");
}

}  // namespace
}  // namespace churnml
