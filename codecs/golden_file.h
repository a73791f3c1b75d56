// Tests only: a text or byte golden under tests/golden/, compared exactly. Run a test with
// STRAIT_UPDATE_GOLDEN=1 to write what it produced as the new golden (then review the diff).
// STRAIT_SOURCE_DIR is the repository root (a compile definition of every test target).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace strait::golden {

// `golden`: the path under tests/golden/, e.g. "hls/ll_media_live.m3u8".
inline void ExpectFile(const std::string& golden, const std::string& actual) {
  const std::string path = std::string(STRAIT_SOURCE_DIR) + "/tests/golden/" + golden;
  const char* update = std::getenv("STRAIT_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with STRAIT_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden mismatch: " << path;
}

}  // namespace strait::golden
