#include "pipeline/fanout.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <thread>

namespace strait::pipeline {
namespace {

using std::chrono::milliseconds;

TrackInfo Video() {
  TrackInfo t;
  t.id = 0;
  t.kind = MediaKind::kVideo;
  t.codec = CodecId::kH264;
  return t;
}

TrackInfo Audio() {
  TrackInfo t;
  t.id = 1;
  t.kind = MediaKind::kAudio;
  t.codec = CodecId::kAac;
  return t;
}

Packet V(int64_t ms, bool key, size_t size = 1000) {
  return Packet(0, MediaKind::kVideo, CodecId::kH264, std::vector<uint8_t>(size, 1), ms, ms,
                kMillis, key);
}

Packet A(int64_t ms) {
  return Packet(1, MediaKind::kAudio, CodecId::kAac, std::vector<uint8_t>(100, 2), ms, ms, kMillis,
                true);
}

std::shared_ptr<Fanout> Make(FanoutOptions opts = {}) {
  opts.logger =
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  auto f = Fanout::Create("shop1", opts);
  f->Begin();
  f->SetTrack(Video());
  f->SetTrack(Audio());
  return f;
}

std::vector<Packet> Drain(transport::MediaSource& s) {
  std::vector<Packet> out;
  for (;;) {
    auto r = s.Next(milliseconds(0));
    if (!r.ok() || !r->has_value())
      return out;
    out.push_back(**r);
  }
}

TEST(FanoutTest, ThreeReadersShareThePayloadWithoutCopies) {
  auto f = Make();
  auto r1 = f->Subscribe(), r2 = f->Subscribe(), r3 = f->Subscribe();
  EXPECT_EQ(f->reader_count(), 3u);
  EXPECT_EQ(r1->Tracks().size(), 2u);
  std::vector<Packet> sent = {V(0, true), A(10), V(40, false), A(33)};
  for (const Packet& p : sent)
    f->Push(p);
  for (auto* r : {r1.get(), r2.get(), r3.get()}) {
    auto got = Drain(*r);
    ASSERT_EQ(got.size(), sent.size());
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_EQ(got[i].shared_payload().get(), sent[i].shared_payload().get());
  }
  r2.reset();
  EXPECT_EQ(f->reader_count(), 2u);
}

TEST(FanoutTest, SlowReaderDropsWholeGopsWhileOthersGetEverything) {
  FanoutOptions opts;
  opts.max_queue_bytes = 10 * 1000;
  auto f = Make(opts);
  auto fast = f->Subscribe();
  auto slow = f->Subscribe();
  size_t fast_got = 0;
  int64_t t = 0;
  for (int gop = 0; gop < 5; ++gop) {
    for (int i = 0; i < 6; ++i, t += 40) {
      f->Push(V(t, i == 0));
      f->Push(A(t));
      fast_got += Drain(*fast).size();
    }
  }
  EXPECT_EQ(fast_got, 60u);
  EXPECT_GT(f->dropped_packets(), 0u);
  auto got = Drain(*slow);
  ASSERT_FALSE(got.empty());
  EXPECT_TRUE(got.front().kind() == MediaKind::kVideo && got.front().keyframe());
  // What is left is decodable: video frames after the first are a contiguous run.
  int64_t prev = -1;
  for (const Packet& p : got) {
    if (p.kind() != MediaKind::kVideo)
      continue;
    if (prev >= 0) {
      EXPECT_EQ(p.dts(), prev + 40);
    }
    prev = p.dts();
  }
  EXPECT_LE(got.size(), 20u);
}

TEST(FanoutTest, MediaSpanBoundsTheQueueToo) {
  FanoutOptions opts;
  opts.max_queue_media = milliseconds(1000);
  auto f = Make(opts);
  auto slow = f->Subscribe();
  for (int64_t t = 0; t < 5000; t += 40)
    f->Push(V(t, t % 2000 == 0, 10));
  auto got = Drain(*slow);
  ASSERT_FALSE(got.empty());
  EXPECT_TRUE(got.front().keyframe());
  EXPECT_LE(got.back().dts() - got.front().dts(), 1000);
}

TEST(FanoutTest, LateJoinerStartsAtTheLatestKeyframe) {
  auto f = Make();
  f->Push(V(0, true));
  f->Push(V(40, false));
  f->Push(V(80, true));
  f->Push(A(90));
  f->Push(V(120, false));
  EXPECT_EQ(f->cached_gop_packets(), 3u);
  auto late = f->Subscribe();
  auto got = Drain(*late);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].dts(), 80);
  EXPECT_TRUE(got[0].keyframe());
}

TEST(FanoutTest, JoinerWithoutCachedGopWaitsForAKeyframe) {
  auto f = Make();
  f->Push(V(0, false));
  auto r = f->Subscribe();
  f->Push(V(40, false));
  f->Push(A(50));
  f->Push(V(80, true));
  auto got = Drain(*r);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].dts(), 80);
}

TEST(FanoutTest, GopCacheIsBounded) {
  FanoutOptions opts;
  opts.max_gop_bytes = 5000;
  auto f = Make(opts);
  for (int i = 0; i < 10; ++i)
    f->Push(V(i * 40, i == 0));
  EXPECT_EQ(f->cached_gop_packets(), 0u);
  f->Push(V(400, true));
  EXPECT_EQ(f->cached_gop_packets(), 1u);
}

TEST(FanoutTest, EndWakesBlockedReaders) {
  auto f = Make();
  auto r = f->Subscribe();
  std::thread publisher([&] {
    std::this_thread::sleep_for(milliseconds(50));
    f->End(OkStatus());
  });
  const auto start = std::chrono::steady_clock::now();
  auto result = r->Next(milliseconds(10000));
  publisher.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(), "stream ended");
  auto later = f->Subscribe();
  EXPECT_FALSE(later->Next(milliseconds(0)).ok());
}

TEST(FanoutTest, TimeoutReturnsNullopt) {
  auto f = Make();
  auto r = f->Subscribe();
  auto result = r->Next(milliseconds(1));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->has_value());
}

TEST(FanoutTest, ReaderOutlivesTheFanoutOwner) {
  auto f = Make();
  auto r = f->Subscribe();
  f->Push(V(0, true));
  f->End(Error("publisher lost"));
  f.reset();
  EXPECT_EQ(Drain(*r).size(), 1u);
  auto end = r->Next(milliseconds(0));
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().message(), "stream ended: publisher lost");
}

TEST(FanoutTest, ConcurrentPublisherAndReaders) {
  auto f = Make();
  std::vector<std::thread> readers;
  std::atomic<int> bad_starts{0};
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      auto r = f->Subscribe();
      bool first = true;
      for (;;) {
        auto p = r->Next(milliseconds(100));
        if (!p.ok())
          return;
        if (p->has_value() && first) {
          first = false;
          bad_starts += (*p)->keyframe() ? 0 : 1;
        }
      }
    });
  }
  for (int64_t t = 0; t < 4000; t += 10)
    f->Push(V(t, t % 400 == 0, 100));
  f->End(OkStatus());
  for (auto& th : readers)
    th.join();
  EXPECT_EQ(bad_starts.load(), 0);
}

}  // namespace
}  // namespace strait::pipeline
