#include "common/json_writer.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

std::string quoted(std::string_view text) {
  std::string out;
  appendJsonString(out, text);
  return out;
}

TEST(AppendJsonString, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(quoted(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(quoted("line\nnext\ttab"), R"("line\nnext\ttab")");
  EXPECT_EQ(quoted(std::string_view("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(quoted(std::string_view("nul\0in", 6)), R"("nul\u0000in")");
}

TEST(AppendJsonString, KeepsValidUtf8) { EXPECT_EQ(quoted("système-🔐"), "\"système-🔐\""); }

TEST(AppendJsonString, ReplacesInvalidUtf8) {
  EXPECT_EQ(quoted("a\xff"
                   "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");                                                               // stray byte
  EXPECT_EQ(quoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // overlong '/'
  EXPECT_EQ(quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
  EXPECT_EQ(quoted("\xE2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // truncated
}

TEST(AppendRfc3339Millis, FormatsUtcWithMillis) {
  std::string out;
  appendRfc3339Millis(out, std::chrono::system_clock::time_point(std::chrono::milliseconds(1767225600123)));
  EXPECT_EQ(out, "2026-01-01T00:00:00.123Z");
  out.clear();
  appendRfc3339Millis(out, std::chrono::system_clock::time_point(std::chrono::milliseconds(-1)));
  EXPECT_EQ(out, "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace auditstream
