#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/json_dump.h"
#include "common/json_text.h"
#include "common/time_format.h"

namespace churnml {
namespace {

TEST(JsonText, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out = "x";
  AppendJsonEscaped(std::string_view("a\"b\\c\nd\re\tf\x01g\x1fh\0i", 17), out);
  EXPECT_EQ(out, "xa\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh\\u0000i");
  out.clear();
  AppendJsonEscaped("plain, caf\xc3\xa9", out);  // UTF-8 passes through
  EXPECT_EQ(out, "plain, caf\xc3\xa9");
}

// A CSV value or file name with bytes that are not UTF-8 must still give
// valid JSON (nlohmann's parser is strict about UTF-8).
TEST(JsonText, ReplacesBytesThatAreNotUtf8) {
  std::string out;
  // A lone continuation byte, a truncated 2-byte form, an overlong "/", a
  // UTF-16 surrogate, and a code point above U+10FFFF; then good text.
  AppendJsonEscaped("a\x80" "b\xc3", out);
  EXPECT_EQ(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  out.clear();
  AppendJsonEscaped("\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82\xac\xf0\x9f\x98\x80", out);
  const std::string doc = "\"" + out + "\"";
  ASSERT_TRUE(nlohmann::json::accept(doc)) << doc;
  EXPECT_EQ(out.substr(out.size() - 7), "\xe2\x82\xac\xf0\x9f\x98\x80");  // kept
}

TEST(JsonDump, ReplacesInvalidUtf8InsteadOfThrowing) {
  nlohmann::json doc = {{"file", std::string("bad\xff\xfename.csv")}, {"n", 1}};
  std::string text;
  ASSERT_NO_THROW(text = DumpJson(doc, 2));
  EXPECT_TRUE(nlohmann::json::accept(text));
  EXPECT_NE(text.find("bad\xEF\xBF\xBD\xEF\xBF\xBDname.csv"), std::string::npos);
  EXPECT_EQ(DumpJson(nlohmann::json{{"a", 1}}), "{\"a\":1}");
}

TEST(TimeFormat, Rfc3339InUtc) {
  using std::chrono::milliseconds;
  const std::chrono::system_clock::time_point t{milliseconds(1795858200123)};
  EXPECT_EQ(FormatUtcSeconds(t), "2026-11-28T09:30:00Z");
  EXPECT_EQ(FormatUtcMillis(t), "2026-11-28T09:30:00.123Z");
  const std::chrono::system_clock::time_point before{milliseconds(-1)};
  EXPECT_EQ(FormatUtcMillis(before), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace churnml
