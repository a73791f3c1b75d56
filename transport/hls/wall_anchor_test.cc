#include "transport/hls/wall_anchor.h"

#include <gtest/gtest.h>

namespace strait::transport::hls {
namespace {

using std::chrono::milliseconds;
using time_point = WallAnchor::time_point;

time_point At(int64_t ms) {
  return time_point(milliseconds(1764288000000 + ms));
}

TEST(WallAnchorTest, TheFirstSampleMapsToItsArrival) {
  WallAnchor a;
  EXPECT_FALSE(a.anchored());
  a.Observe(90000, At(0));  // media 1 s arrived at 0
  EXPECT_TRUE(a.anchored());
  EXPECT_EQ(a.WallTime(90000), At(0));
  EXPECT_EQ(a.WallTime(270000), At(2000));
  a.Observe(180000, At(1500));  // arrived later than it maps (1000): no change
  EXPECT_EQ(a.WallTime(90000), At(0));
}

// A burst after a late first packet moves the mapping back, by at most max_back, until a date
// is published.
TEST(WallAnchorTest, ABurstMovesItBackUntilSettled) {
  WallAnchor a(milliseconds(500));
  a.Observe(0, At(0));
  a.Observe(90 * 300, At(100));  // maps to 300, arrived at 100: 200 back
  EXPECT_EQ(a.WallTime(0), At(-200));
  a.Observe(90 * 2000, At(100));  // would be 1900 back: 500 at most
  EXPECT_EQ(a.WallTime(0), At(-500));
  WallAnchor b(milliseconds(500));
  b.Observe(0, At(0));
  EXPECT_EQ(b.Date(0), At(0));
  b.Observe(90 * 300, At(100));
  EXPECT_EQ(b.WallTime(0), At(0)) << "the dates already published stay true";
  b.Reset();
  EXPECT_FALSE(b.anchored());
  b.Observe(0, At(5000));
  EXPECT_EQ(b.WallTime(0), At(5000));
}

}  // namespace
}  // namespace strait::transport::hls
