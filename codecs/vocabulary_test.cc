// Unit tests for the media vocabulary: Result, MediaTime, Packet sharing, Frame references.
#include <gtest/gtest.h>

#include "codecs/clock.h"
#include "codecs/frame.h"
#include "codecs/media_time.h"
#include "codecs/packet.h"
#include "codecs/result.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace strait {
namespace {

TEST(ResultTest, CarriesValueOrContextualError) {
  Result<int> ok = 7;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  Result<int> bad = Error("bad marker").Context("amf0").Context("rtmp: connect");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "rtmp: connect: amf0: bad marker");
  Status s = OkStatus();
  EXPECT_TRUE(s.ok());
}

TEST(MediaTimeTest, RescalesWithRounding) {
  EXPECT_EQ(Rescale(1000, kMillis, kMpegTs), 90000);
  EXPECT_EQ(Rescale(1, kMillis, kMpegTs), 90);
  EXPECT_EQ(Rescale(45, kMpegTs, kMillis), 1);   // 0.5 ms rounds away from zero
  EXPECT_EQ(Rescale(-45, kMpegTs, kMillis), -1);
  EXPECT_EQ(Rescale(kNoTimestamp, kMillis, kMpegTs), kNoTimestamp);
  // Large values (a day at 90 kHz * 1000) do not overflow.
  EXPECT_EQ(Rescale(int64_t{86400} * 90000 * 1000, kMpegTs, kMillis), int64_t{86400} * 1000 * 1000);
  MediaTime t{2500, kMillis};
  EXPECT_DOUBLE_EQ(t.seconds(), 2.5);
  EXPECT_EQ(t.In(kMpegTs).value, 225000);
}

TEST(PacketTest, CopiesSharePayload) {
  Packet p(1, MediaKind::kAudio, CodecId::kAac, {1, 2, 3}, 100, 100, kMillis, true);
  Packet q = p;
  EXPECT_EQ(p.data().data(), q.data().data());  // same bytes, not a copy
  EXPECT_EQ(p.shared_payload().use_count(), 2);
  Packet r = q.WithTimestamps(200, 150);
  EXPECT_EQ(r.data().data(), p.data().data());
  EXPECT_EQ(r.pts(), 200);
  EXPECT_EQ(r.dts(), 150);
  EXPECT_EQ(p.pts(), 100);
}

TEST(FrameTest, CopiesReferenceAndWritableOnlyWhenUnique) {
  Result<Frame> f = Frame::AllocateVideo(64, 32, AV_PIX_FMT_YUV420P);
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_TRUE(f->writable());
  Frame copy = *f;
  EXPECT_EQ(copy.av()->data[0], f->av()->data[0]);
  EXPECT_FALSE(f->writable());
  ASSERT_TRUE(copy.MakeWritable().ok());
  EXPECT_NE(copy.av()->data[0], f->av()->data[0]);
  EXPECT_TRUE(f->writable());
}

TEST(ClockTest, FakeClockAdvancesBothClocks) {
  FakeClock clock;
  auto t0 = clock.Now();
  auto w0 = clock.WallNow();
  clock.Advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.Now() - t0, std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.WallNow() - w0, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace strait
