#include "pipeline/logging.h"

#include <gtest/gtest.h>

namespace strait::pipeline {
namespace {

TEST(LoggingTest, RejectsUnknownFormatAndLevel) {
  EXPECT_FALSE(MakeLogger("xml", "info").ok());
  EXPECT_FALSE(MakeLogger("text", "loud").ok());
  EXPECT_TRUE(MakeLogger("json", "debug").ok());
}

}  // namespace
}  // namespace strait::pipeline
