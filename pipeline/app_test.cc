#include "pipeline/app.h"

#include <gtest/gtest.h>

namespace strait::pipeline {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

TEST(AppTest, MediaSequenceNumbersAreHalfSecondsSince2025AndFitIn32Bits) {
  const system_clock::time_point y2025 = system_clock::from_time_t(1735689600);
  EXPECT_EQ(SequenceFromWallClock(y2025), 0u);
  EXPECT_EQ(SequenceFromWallClock(y2025 + seconds(10)), 20u);
  EXPECT_EQ(SequenceFromWallClock(y2025 - seconds(10)), 0u) << "a clock before 2025";
  // 2026-12-04: about 1.2e8, well inside a signed 32-bit int (GStreamer's m3u8 parser).
  const uint64_t now = SequenceFromWallClock(system_clock::from_time_t(1796342400));
  EXPECT_GT(now, 120000000u);
  EXPECT_LT(now, 130000000u);
  // Below 2^31 - 1 through 2058, past it in 2059.
  EXPECT_LT(SequenceFromWallClock(system_clock::from_time_t(2777068800)), 2147483647u);  // 2058
  EXPECT_GT(SequenceFromWallClock(system_clock::from_time_t(2840140800)), 2147483647u);  // 2060
}

}  // namespace
}  // namespace strait::pipeline
