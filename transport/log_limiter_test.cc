#include "transport/log_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace strait::transport {
namespace {

using namespace std::chrono_literals;

// A burst of `per_second` lines, then one line a 1/per_second, and the line let through after a
// refusal says how many were left out.
TEST(LogLimiterTest, LetsABurstThroughThenCountsWhatItLeavesOut) {
  LogLimiter limiter(5);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  uint64_t left_out = 99;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(limiter.Allow(&left_out, t0)) << i;
    EXPECT_EQ(left_out, 0u);
  }
  for (int i = 0; i < 1000; ++i)
    EXPECT_FALSE(limiter.Allow(&left_out, t0));
  EXPECT_FALSE(limiter.Allow(&left_out, t0 + 100ms));  // half a token
  ASSERT_TRUE(limiter.Allow(&left_out, t0 + 200ms));
  EXPECT_EQ(left_out, 1001u);
  EXPECT_FALSE(limiter.Allow(&left_out, t0 + 200ms));
  ASSERT_TRUE(limiter.Allow(&left_out, t0 + 10s));  // refilled, but no more than the burst
  EXPECT_EQ(left_out, 1u);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(limiter.Allow(&left_out, t0 + 10s));
  EXPECT_FALSE(limiter.Allow(&left_out, t0 + 10s));
  std::string note = "x";
  ASSERT_TRUE(limiter.Allow(&note, t0 + 11s));
  EXPECT_EQ(note, " (1 similar lines left out)");
  ASSERT_TRUE(limiter.Allow(&note, t0 + 11s));
  EXPECT_EQ(note, "");
}

}  // namespace
}  // namespace strait::transport
