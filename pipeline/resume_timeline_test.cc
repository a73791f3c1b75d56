// ResumeTimeline on packets alone: after an input loss the media continues where the filler
// stopped, a muxer's straggler from before the hole keeps the old offset, and a late delivery
// with no hole continues from its first packet.
#include "pipeline/resume_timeline.h"

#include <gtest/gtest.h>

namespace strait::pipeline {
namespace {

Packet At(int64_t ms, MediaKind kind = MediaKind::kVideo) {
  return Packet(kind == MediaKind::kVideo ? 0 : 1, kind,
                kind == MediaKind::kVideo ? CodecId::kH264 : CodecId::kAac, {1}, ms, ms,
                Timebase{1, 1000}, false);
}

TEST(ResumeTimelineTest, AStragglerFromBeforeTheHoleDoesNotSetTheOffset) {
  ResumeTimeline t;
  ASSERT_EQ(t.Admit(At(7988)).size(), 1u);  // before the stall: as it came
  t.Resume(11 * 90000);                     // the filler stopped at 11 s
  EXPECT_TRUE(t.Admit(At(8000, MediaKind::kAudio)).empty()) << "held while deciding";
  const std::vector<Packet> out = t.Admit(At(13054));  // after the 5 s hole
  ASSERT_EQ(out.size(), 2u);
  EXPECT_LT(out[0].dts(), 11000) << "the straggler lands behind the filler (dropped there)";
  EXPECT_EQ(out[1].dts(), 11000) << "the new media starts where the filler stopped";
  EXPECT_EQ(t.Admit(At(13087)).front().dts(), 11033) << "and the offset stays";
}

// 8 video packets 33 ms apart (0.26 s) once read as a jump from the time before the stall, and
// the 7 before the last were moved behind the filler.
TEST(ResumeTimelineTest, ALateDeliveryWithNoHoleContinuesFromItsFirstPacket) {
  ResumeTimeline t;
  (void)t.Admit(At(1000));
  t.Resume(3 * 90000);
  std::vector<Packet> out;
  for (int i = 1; out.empty(); ++i) {
    out = t.Admit(At(1000 + 33 * i));
    ASSERT_LE(i, static_cast<int>(ResumeTimeline::kHold));
  }
  ASSERT_EQ(out.size(), ResumeTimeline::kHold);
  EXPECT_EQ(out.front().dts(), 3000);
  EXPECT_EQ(out.back().dts(), 3000 + 33 * (static_cast<int64_t>(ResumeTimeline::kHold) - 1));
}

TEST(ResumeTimelineTest, ReleaseDecidesWithWhatIsHeldAndResetForgetsTheOffset) {
  ResumeTimeline t;
  (void)t.Admit(At(1000));
  t.Resume(90000 * 2);
  EXPECT_TRUE(t.Admit(At(1033)).empty());
  const std::vector<Packet> out = t.Release();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dts(), 2000);
  t.Reset();
  EXPECT_EQ(t.Admit(At(5000)).front().dts(), 5000);
}

}  // namespace
}  // namespace strait::pipeline
