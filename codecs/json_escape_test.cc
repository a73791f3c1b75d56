#include "codecs/json_escape.h"

#include <gtest/gtest.h>

namespace strait {
namespace {

TEST(JsonEscapeTest, JsonEscapeHandlesQuotesControlAndUtf8) {
  EXPECT_EQ(JsonEscape("plain"), "plain");
  EXPECT_EQ(JsonEscape("a \"b\" \\ c\n\t"), "a \\\"b\\\" \\\\ c\\n\\t");
  EXPECT_EQ(JsonEscape(std::string("\x01", 1)), "\\u0001");
  EXPECT_EQ(JsonEscape("直播 ₹1,499"), "直播 ₹1,499");
}

}  // namespace
}  // namespace strait
