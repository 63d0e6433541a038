#include <gtest/gtest.h>

#include <chrono>
#include <string>

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
