#include "pipeline/logging.h"

#include <gtest/gtest.h>

namespace strait::pipeline {
namespace {

TEST(LoggingTest, JsonEscapeHandlesQuotesControlAndUtf8) {
  EXPECT_EQ(JsonEscape("plain"), "plain");
  EXPECT_EQ(JsonEscape("a \"b\" \\ c\n\t"), "a \\\"b\\\" \\\\ c\\n\\t");
  EXPECT_EQ(JsonEscape(std::string("\x01", 1)), "\\u0001");
  EXPECT_EQ(JsonEscape("直播 ₹1,499"), "直播 ₹1,499");
}

TEST(LoggingTest, RejectsUnknownFormatAndLevel) {
  EXPECT_FALSE(MakeLogger("xml", "info").ok());
  EXPECT_FALSE(MakeLogger("text", "loud").ok());
  EXPECT_TRUE(MakeLogger("json", "debug").ok());
}

}  // namespace
}  // namespace strait::pipeline
