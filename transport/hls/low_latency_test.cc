// Low-Latency HLS on CMAF renditions: playlist goldens (full, delta update, preload hint,
// rendition reports) from the real packager path, parts and segments, and blocking reloads
// through the HTTP handler (held until the part exists, 400 when too far ahead (a part: 404),
// 503 in time).
// Goldens: STRAIT_UPDATE_GOLDEN=1 ./strait_transport_test --gtest_filter='LowLatency*'
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "codecs/golden_file.h"
#include "transport/hls/catalog.h"
#include "transport/hls/deadlines.h"
#include "transport/hls/http_handler.h"
#include "transport/hls/packager.h"
#include "transport/hls/test_media.h"

namespace strait::transport::hls {
namespace {

using namespace std::chrono_literals;

void ExpectGolden(const std::string& name, const std::string& actual) {
  golden::ExpectFile("hls/" + name, actual);
}

std::string Text(const std::shared_ptr<const std::vector<uint8_t>>& b) {
  return b ? std::string(b->begin(), b->end()) : std::string();
}

RenditionOptions LlOptions(double segment_s = 2.0, double part_s = 0.334, size_t window = 10) {
  RenditionOptions o;
  o.window_segments = window;
  o.extra_segments = window + 1;  // as the App keeps them
  o.segment_target_s = segment_s;
  o.part_target_s = part_s;
  return o;
}

// A CMAF stream with two renditions fed the same synthetic media (so each reports the other).
struct LlStream {
  explicit LlStream(double segment_s = 2.0,
                    HlsVariants variants = HlsVariants::kLowLatencyCmaf,
                    double part_s = 0.334,
                    size_t window = 10)
      : catalog(LlOptions(segment_s, part_s, window), variants) {
    stream = catalog.Add("shop1");
    PackagerOptions po;
    po.target_duration_s = segment_s;
    a = std::make_unique<Packager>(stream->AddOutputs("720p"), clock, po);
    b = std::make_unique<Packager>(stream->AddOutputs("360p"), clock, po);
    for (Packager* p : {a.get(), b.get()}) {
      EXPECT_TRUE(p->AddTrack(testing::VideoTrack()).ok());
      EXPECT_TRUE(p->AddTrack(testing::AudioTrack()).ok());
    }
  }
  // Feeds [from, to) ms of 30 fps video + AAC, GOP = segment duration.
  void Feed(int64_t from, int64_t to) {
    for (const Packet& p : testing::MakeLive(0, to, true, true, 30, gop_ms)) {
      if (p.dts() < from)
        continue;
      ASSERT_TRUE(a->Write(p).ok());
      ASSERT_TRUE(b->Write(p).ok());
    }
  }
  http::Response Get(const std::string& target) {
    http::Request r;
    r.method = "GET";
    const size_t q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    r.target = target;
    return HandleHlsRequest(catalog, r);
  }
  Rendition& rendition() { return *stream->FindRendition("720p"); }

  FakeClock clock;
  Catalog catalog;
  std::shared_ptr<Stream> stream;
  std::unique_ptr<Packager> a, b;
  int64_t gop_ms = 2000;
};

TEST(LowLatency, PlaylistGoldens) {
  LlStream s;
  s.Feed(0, 20400);  // 10 segments and the first part of the 11th
  const Rendition& r = s.rendition();
  ExpectGolden("ll_media_live.m3u8", Text(r.Document(false)->body));
  ExpectGolden("ll_media_delta.m3u8", Text(r.Document(true)->body));
  ExpectGolden("ll_master.m3u8", Text(s.stream->MasterDocument()->body));
  const std::string full = Text(r.Document(false)->body);
  EXPECT_NE(full.find("#EXT-X-RENDITION-REPORT:URI=\"../360p/playlist.m3u8\""), std::string::npos);
  EXPECT_EQ(full.find("RENDITION-REPORT:URI=\"../720p/"), std::string::npos);
  const std::string delta = Text(r.Document(true)->body);
  EXPECT_NE(delta.find("#EXT-X-SKIP:SKIPPED-SEGMENTS="), std::string::npos);
  EXPECT_LT(delta.size(), full.size());
  // The segment in progress ends the playlist with a hint for its next part.
  EXPECT_NE(full.find("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part10.1.m4s\""), std::string::npos)
      << full;
  // Each segment's date is its predecessor's plus its duration: the packets came in one burst,
  // and the dates of the first parts (published during it) fixed the mapping, seg1 on included.
  const std::string tag = "#EXT-X-PROGRAM-DATE-TIME:2025-11-2";
  std::vector<double> dates;  // seconds from 2025-11-27T00:00:00
  for (size_t at = 0; (at = full.find(tag, at)) != std::string::npos; ++at) {
    const std::string date = full.substr(at + tag.size() - 1, 24);
    dates.push_back((date[1] - '7') * 86400.0 + std::stoi(date.substr(3, 2)) * 3600.0 +
                    std::stoi(date.substr(6, 2)) * 60.0 + std::stod(date.substr(9, 6)));
  }
  ASSERT_EQ(dates.size(), 11u) << "ten segments and the open one (its date before its parts)\n"
                               << full;
  for (size_t i = 1; i < dates.size(); ++i)
    EXPECT_NEAR(dates[i] - dates[i - 1], 2.0, 0.0015) << "segment " << i << "\n" << full;
}

// CMAF objects are video/mp4, an audio-only rendition's audio/mp4.
TEST(LowLatency, MediaTypes) {
  LlStream s;
  PackagerOptions po;
  po.expect_video = false;
  Packager audio(s.stream->AddOutputs("audio"), s.clock, po);
  ASSERT_TRUE(audio.AddTrack(testing::AudioTrack()).ok());
  for (const Packet& p : testing::MakeLive(0, 4100, false, true))
    ASSERT_TRUE(audio.Write(p).ok());
  s.Feed(0, 4100);
  EXPECT_EQ(s.Get("/live/shop1/720p/seg0.m4s").content_type, "video/mp4");
  EXPECT_EQ(s.Get("/live/shop1/720p/part1.0.m4s").content_type, "video/mp4");
  EXPECT_EQ(s.Get("/live/shop1/audio/seg0.m4s").content_type, "audio/mp4");
  EXPECT_EQ(s.Get("/live/shop1/audio/init0.mp4").content_type, "audio/mp4");
  EXPECT_EQ(s.Get("/live/shop1/audio/part1.0.m4s").content_type, "audio/mp4");
}

// RFC 8216bis 6.2.2: a part stays downloadable for at least 3 target durations after its
// EXT-X-PART tag left the playlist (a player that read the playlist just before may still ask).
TEST(LowLatency, PartsOutliveTheirTagsByThreeTargetDurations) {
  LlStream s;
  s.Feed(0, 20400);  // 10 segments and part 10.0
  const std::string full = Text(s.rendition().Document(false)->body);
  EXPECT_EQ(full.find("part6.0.m4s"), std::string::npos) << "listed for the last 6 s only";
  // Segment 3's parts left the playlist when the edge passed 14 s, 6.4 s (> 3 x 2 s) ago.
  EXPECT_EQ(s.Get("/live/shop1/720p/part3.0.m4s").status, 200);
  EXPECT_EQ(s.Get("/live/shop1/720p/part3.5.m4s").status, 200);
  EXPECT_EQ(s.Get("/live/shop1/720p/part1.0.m4s").status, 404) << "long gone: the segment is there";
  EXPECT_EQ(s.Get("/live/shop1/720p/seg1.m4s").status, 200);
  // Segments shorter than the target duration (1.5 s; TARGETDURATION 2): kept by time, not by
  // count. Segment 12 (ends at 19.5 s) left the playlist when the edge passed 25.5 s, 4.6 s ago.
  LlStream short_segments(1.5);
  short_segments.gop_ms = 1500;
  short_segments.Feed(0, 30100);
  EXPECT_EQ(Text(short_segments.rendition().Document(false)->body).find("part12.0.m4s"),
            std::string::npos);
  EXPECT_EQ(short_segments.Get("/live/shop1/720p/part12.0.m4s").status, 200);
  // A short window (hls.window 3): segment 5's parts left the playlist when the edge passed 18 s,
  // 2.4 s ago; they were deleted at once (kept for the listed segments only).
  LlStream short_window(2.0, HlsVariants::kLowLatencyCmaf, 0.334, 3);
  short_window.Feed(0, 20400);
  EXPECT_EQ(Text(short_window.rendition().Document(false)->body).find("part5.0.m4s"),
            std::string::npos);
  EXPECT_EQ(short_window.Get("/live/shop1/720p/part5.0.m4s").status, 200);
  EXPECT_EQ(short_window.Get("/live/shop1/720p/part5.5.m4s").status, 200);
}

// An ended playlist never changes, and what it does not list — parts of older segments, the
// segments kept for late readers — goes once late readers had their time: an ended stream left
// them on every push target for good. What it lists stays, parts included.
TEST(LowLatency, AnEndedRenditionKeepsOnlyWhatItsPlaylistLists) {
  RenditionOptions o = LlOptions(2.0, 0.334, 3);
  o.deadlines = std::make_shared<Deadlines>();
  o.ended_trim_delay = std::chrono::milliseconds(50);
  FakeClock clock;
  o.format = SegmentFormat::kCmaf;
  Rendition r("shop1", "720p", o, [] {});
  PackagerOptions po;
  auto packager = std::make_unique<Packager>(r, clock, po);
  ASSERT_TRUE(packager->AddTrack(testing::VideoTrack()).ok());
  for (const Packet& p : testing::MakeLive(0, 20400, true, false))
    ASSERT_TRUE(packager->Write(p).ok());
  ASSERT_TRUE(packager->Finish(true).ok());
  const std::string ended = *r.Playlist();
  ASSERT_NE(ended.find("#EXT-X-ENDLIST"), std::string::npos);
  auto listed = [&](const std::string& uri) { return ended.find(uri) != std::string::npos; };
  ASSERT_FALSE(listed("seg5.m4s"));
  EXPECT_NE(r.Segment(5), nullptr) << "kept a while for late readers";
  EXPECT_NE(r.Part(5, 0), nullptr);
  for (int i = 0; i < 100 && r.Segment(5); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(r.Segment(5), nullptr) << "not listed: trimmed";
  EXPECT_EQ(r.Part(5, 0), nullptr);
  EXPECT_EQ(*r.Playlist(), ended) << "the ended playlist did not change";
  for (uint64_t seq = 0; seq < 11; ++seq) {
    if (listed("seg" + std::to_string(seq) + ".m4s"))
      EXPECT_NE(r.Segment(seq), nullptr) << seq;
    for (int part = 0; part < 6; ++part) {
      const std::string uri = "part" + std::to_string(seq) + "." + std::to_string(part) + ".m4s";
      EXPECT_EQ(r.Part(seq, part) != nullptr, listed(uri)) << uri;
    }
  }
}

TEST(LowLatency, PartsMakeTheSegmentAndStartIndependent) {
  LlStream s;
  s.Feed(0, 6100);
  const Rendition& r = s.rendition();
  ASSERT_TRUE(r.Init(0));
  for (uint64_t seq = 0; seq < 3; ++seq) {
    auto segment = r.Segment(seq);
    ASSERT_TRUE(segment) << seq;
    std::vector<uint8_t> joined;
    for (uint64_t i = 0;; ++i) {
      auto part = r.Part(seq, i);
      if (!part)
        break;
      // Each part is one CMAF chunk: [prft] moof mdat.
      const std::string first_box(part->begin() + 4, part->begin() + 8);
      EXPECT_TRUE(first_box == "prft" || first_box == "moof") << first_box;
      joined.insert(joined.end(), part->begin(), part->end());
    }
    EXPECT_EQ(joined, *segment) << "segment " << seq << " is its parts concatenated";
  }
  const std::string full = Text(r.Document(false)->body);
  // Every segment's first part starts with its keyframe; the others do not.
  EXPECT_NE(full.find("URI=\"part1.0.m4s\",INDEPENDENT=YES"), std::string::npos) << full;
  EXPECT_EQ(full.find("URI=\"part1.1.m4s\",INDEPENDENT=YES"), std::string::npos) << full;
  EXPECT_NE(full.find("#EXT-X-MAP:URI=\"init0.mp4\""), std::string::npos);
}

TEST(LowLatency, BothVariantsServeSeparateMasters) {
  LlStream s(2.0, HlsVariants::kBoth);
  s.Feed(0, 4100);
  const http::Response cmaf = s.Get("/live/shop1/master.m3u8");
  const http::Response ts = s.Get("/live/shop1/master-ts.m3u8");
  ASSERT_EQ(cmaf.status, 200);
  ASSERT_EQ(ts.status, 200);
  EXPECT_NE(Text(cmaf.body).find("720p/playlist.m3u8"), std::string::npos);
  EXPECT_EQ(Text(cmaf.body).find("-ts/"), std::string::npos);
  EXPECT_NE(Text(ts.body).find("720p-ts/playlist.m3u8"), std::string::npos);
  EXPECT_EQ(s.Get("/live/shop1/720p-ts/seg0.ts").status, 200);
  EXPECT_EQ(s.Get("/live/shop1/720p/seg0.m4s").status, 200);
  EXPECT_EQ(s.Get("/live/shop1/720p/seg0.ts").status, 404);
}

TEST(LowLatency, CacheHeadersPerObject) {
  LlStream s;
  s.Feed(0, 4100);
  EXPECT_EQ(s.Get("/live/shop1/720p/init0.mp4").cache_control,
            "public, max-age=31536000, immutable");
  EXPECT_EQ(s.Get("/live/shop1/720p/part1.0.m4s").cache_control,
            "public, max-age=31536000, immutable");
  EXPECT_EQ(s.Get("/live/shop1/720p/playlist.m3u8").cache_control, "max-age=1");
  const http::Response blocking = s.Get("/live/shop1/720p/playlist.m3u8?_HLS_msn=1");
  EXPECT_EQ(blocking.status, 200);
  EXPECT_EQ(blocking.cache_control, "public, max-age=6");
  EXPECT_EQ(s.Get("/live/shop1/720p/part1.0.m4s").headers.size() >= 2, true);
  EXPECT_EQ(s.Get("/live/shop1/720p/part01.0.m4s").status, 404);
  // A part that cannot come soon (no preload hint names it): 404, briefly cacheable.
  const http::Response far = s.Get("/live/shop1/720p/part5.0.m4s");
  EXPECT_EQ(far.status, 404);
  EXPECT_EQ(far.cache_control, "max-age=1");
  EXPECT_EQ(s.Get("/live/shop1/720p/part2.40.m4s").status, 404);
  EXPECT_EQ(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_part=1").status, 400);
  EXPECT_EQ(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_msn=x").status, 400);
  EXPECT_EQ(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_skip=maybe").status, 400);
}

// A held request and when it was answered.
struct Held {
  std::promise<http::Response> promise;
  std::future<http::Response> future = promise.get_future();
  std::chrono::steady_clock::time_point answered_at;
};

std::shared_ptr<Held> Hold(LlStream& s, const std::string& target) {
  auto held = std::make_shared<Held>();
  http::Request r;
  r.method = "GET";
  const size_t q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  ServeHls(s.catalog, r, [held](http::Response resp) {
    held->answered_at = std::chrono::steady_clock::now();
    held->promise.set_value(std::move(resp));
  });
  return held;
}

TEST(LowLatency, BlockingReloadWaitsForThePartAndWakesAtOnce) {
  LlStream s;
  s.Feed(0, 4400);  // segments 0, 1 and part 2.0
  ASSERT_NE(Text(s.rendition().Document(false)->body).find("PRELOAD-HINT:TYPE=PART,URI=\"part2.1"),
            std::string::npos);
  auto playlist = Hold(s, "/live/shop1/720p/playlist.m3u8?_HLS_msn=2&_HLS_part=1");
  auto part = Hold(s, "/live/shop1/720p/part2.1.m4s");  // the preload hint
  EXPECT_EQ(playlist->future.wait_for(300ms), std::future_status::timeout) << "returned early";
  EXPECT_EQ(part->future.wait_for(0ms), std::future_status::timeout);
  EXPECT_EQ(s.rendition().waiting(), 2u);
  s.Feed(4400, 4700);  // completes part 2.1
  const auto published = std::chrono::steady_clock::now();
  ASSERT_EQ(playlist->future.wait_for(1s), std::future_status::ready);
  ASSERT_EQ(part->future.wait_for(1s), std::future_status::ready);
  const http::Response r = playlist->future.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(Text(r.body).find("URI=\"part2.1.m4s\""), std::string::npos) << Text(r.body);
  EXPECT_LT(playlist->answered_at - published, 50ms);
  const http::Response p = part->future.get();
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(*p.body, *s.rendition().Part(2, 1));
  EXPECT_EQ(s.rendition().waiting(), 0u);
}

TEST(LowLatency, BlockingReloadPastTheLastPartMeansTheNextSegment) {
  LlStream s;
  s.Feed(0, 3900);  // segment 0 complete, segment 1 has 5 parts (0..4)
  // Part 6 is within the advance limit (3 past the last); segment 1 will have only 6 parts.
  auto held = Hold(s, "/live/shop1/720p/playlist.m3u8?_HLS_msn=1&_HLS_part=6");
  EXPECT_EQ(held->future.wait_for(100ms), std::future_status::timeout);
  s.Feed(3900, 4100);  // segment 1 closes with 6 parts: still waiting for part 2.0
  EXPECT_EQ(held->future.wait_for(50ms), std::future_status::timeout);
  s.Feed(4100, 4400);  // part 2.0 exists
  ASSERT_EQ(held->future.wait_for(1s), std::future_status::ready);
  EXPECT_NE(Text(held->future.get().body).find("part2.0.m4s"), std::string::npos);
}

TEST(LowLatency, TooFarAheadIsRefusedAtOnce) {
  LlStream s;
  s.Feed(0, 4400);  // the open segment is 2 with 1 part (2.0)
  EXPECT_EQ(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_msn=5").status, 400);
  // RFC 8216bis 6.2.5.2: the Advance Part Limit is 3 / PART-TARGET parts past the last part when
  // PART-TARGET is under a second: 8.98 at 0.334 s, so part 2.9 is too far and 2.8 is held (hls.js
  // asks for a segment's expected last part to wait for the whole segment).
  EXPECT_EQ(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_msn=2&_HLS_part=9").status, 400);
  EXPECT_EQ(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_msn=1&_HLS_part=2").status, 200);
  EXPECT_EQ(s.rendition().waiting(), 0u);
  auto held = Hold(s, "/live/shop1/720p/playlist.m3u8?_HLS_msn=2&_HLS_part=8");
  EXPECT_EQ(held->future.wait_for(50ms), std::future_status::timeout);
  EXPECT_EQ(s.rendition().waiting(), 1u);
  s.Feed(4400, 6400);  // segment 2 closes with 6 parts; 2.8 means part 3.0, which now exists
  ASSERT_EQ(held->future.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(held->future.get().status, 200);
  EXPECT_EQ(s.Get("/live/nope/720p/playlist.m3u8?_HLS_msn=1").status, 404);
}

TEST(LowLatency, TheAdvancePartLimitIsThreePartsForLongParts) {
  LlStream s(4.0, HlsVariants::kLowLatencyCmaf, 1.0);  // PART-TARGET 1 s: the limit is 3 parts
  s.gop_ms = 4000;
  s.Feed(0, 9100);  // segments 0, 1 and part 2.0
  // Part 4 is one the open segment can have (up to 4.5 s rounds to TARGETDURATION 4); 5 is not.
  EXPECT_EQ(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_msn=2&_HLS_part=5").status, 400);
  auto held = Hold(s, "/live/shop1/720p/playlist.m3u8?_HLS_msn=2&_HLS_part=3");
  EXPECT_EQ(held->future.wait_for(50ms), std::future_status::timeout);
  s.Feed(9100, 12100);  // part 2.3
  ASSERT_EQ(held->future.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(held->future.get().status, 200);
}

// Segments longer than the 2 s target (a source sending a keyframe every 3.2 s): TARGETDURATION is
// 3 (EXTINF rounded to the nearest second), a segment can have up to 11 parts of 0.334 s (3.5 s),
// and a request for part 9 of the segment just opened (hls.js expects as many parts as the
// segment before had) is held, not refused.
TEST(LowLatency, APartTheOpenSegmentCanStillHaveIsHeld) {
  LlStream s;
  s.gop_ms = 3200;
  s.Feed(0, 6500);  // segments 0 and 1 (3.2 s each, 10 parts), part 2.0
  ASSERT_NE(Text(s.rendition().Document(false)->body).find("#EXT-X-TARGETDURATION:3"),
            std::string::npos);
  auto held = Hold(s, "/live/shop1/720p/playlist.m3u8?_HLS_msn=2&_HLS_part=9");
  EXPECT_EQ(held->future.wait_for(50ms), std::future_status::timeout);
  s.Feed(6500, 9700);  // part 2.9
  ASSERT_EQ(held->future.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(held->future.get().status, 200);
  EXPECT_EQ(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_msn=3&_HLS_part=12").status, 400);
}

TEST(LowLatency, NeverSatisfiedGets503InTime) {
  LlStream s(1.0);
  s.gop_ms = 1000;
  s.Feed(0, 2100);
  const auto start = std::chrono::steady_clock::now();
  auto held = Hold(s, "/live/shop1/720p/playlist.m3u8?_HLS_msn=3");
  ASSERT_EQ(held->future.wait_for(5s), std::future_status::ready);
  const auto waited = held->answered_at - start;
  const http::Response r = held->future.get();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.cache_control, "no-store");
  EXPECT_GE(waited, 2900ms);  // 3 target durations
  EXPECT_LT(waited, 3500ms);
  EXPECT_EQ(s.rendition().waiting(), 0u);
}

TEST(LowLatency, EndOfPublishAnswersHeldRequests) {
  LlStream s;
  s.Feed(0, 4100);
  auto held = Hold(s, "/live/shop1/720p/playlist.m3u8?_HLS_msn=3");
  ASSERT_TRUE(s.a->Finish().ok());
  ASSERT_EQ(held->future.wait_for(1s), std::future_status::ready);
  const http::Response r = held->future.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(Text(r.body).find("#EXT-X-ENDLIST"), std::string::npos);
}

// RFC 8216bis 6.2.5.1: _HLS_skip is ignored once the playlist is ended, and a v2 request (date
// ranges skipped too, for servers offering CAN-SKIP-DATERANGES) gets the whole playlist.
TEST(LowLatency, DeltaUpdatesOnlyForYesOnALivePlaylist) {
  LlStream s;
  s.Feed(0, 16100);  // 8 segments: some before the skip boundary (12 s)
  const std::string yes = Text(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_skip=YES").body);
  EXPECT_NE(yes.find("#EXT-X-SKIP:"), std::string::npos) << yes;
  const std::string v2 = Text(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_skip=v2").body);
  EXPECT_EQ(v2.find("#EXT-X-SKIP:"), std::string::npos) << v2;
  EXPECT_EQ(v2, Text(s.Get("/live/shop1/720p/playlist.m3u8").body));
  ASSERT_TRUE(s.a->Finish().ok());
  const http::Response ended = s.Get("/live/shop1/720p/playlist.m3u8?_HLS_skip=YES");
  EXPECT_EQ(ended.status, 200);
  EXPECT_NE(Text(ended.body).find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ(Text(ended.body).find("#EXT-X-SKIP:"), std::string::npos) << Text(ended.body);
  EXPECT_EQ(s.Get("/live/shop1/720p/playlist.m3u8?_HLS_skip=maybe").status, 200) << "ignored";
}

}  // namespace
}  // namespace strait::transport::hls

namespace strait::transport::hls {
namespace {

// Reconnects: a publish that ends leaves the playlist live for the grace window; the next one
// continues the media sequence and (rebased by the pipeline) the timeline, without a
// discontinuity or a new EXT-X-MAP when the parameters are unchanged.
struct GraceStream {
  GraceStream() : catalog(Options(), HlsVariants::kLowLatencyCmaf) { stream = catalog.Add("s"); }
  static RenditionOptions Options() {
    RenditionOptions o = LlOptions();
    o.reconnect_grace = std::chrono::milliseconds(400);
    return o;
  }
  // One publish of [0, ms) of media, shifted to start at `at_90k` (what PublishSession does).
  void Publish(int64_t ms, int64_t at_90k, int fps = 30) {
    PackagerOptions po;
    Packager p(stream->AddOutputs("src"), clock, po);
    ASSERT_TRUE(p.AddTrack(testing::VideoTrack()).ok());
    ASSERT_TRUE(p.AddTrack(testing::AudioTrack()).ok());
    const int64_t off_ms = at_90k / 90;
    for (const Packet& packet : testing::MakeLive(0, ms, true, true, fps)) {
      ASSERT_TRUE(
          p.Write(packet.WithTimestamps(packet.pts() + off_ms, packet.dts() + off_ms)).ok());
    }
    ASSERT_TRUE(p.Finish().ok());
  }
  std::string Playlist() { return Text(stream->FindRendition("src")->Document(false)->body); }

  FakeClock clock;
  Catalog catalog;
  std::shared_ptr<Stream> stream;
};

TEST(LowLatencyReconnect, WithinTheGraceWindowTheTimelineContinues) {
  GraceStream g;
  g.Publish(4100, 0);
  std::string text = g.Playlist();
  EXPECT_EQ(text.find("#EXT-X-ENDLIST"), std::string::npos) << "ended inside the grace window";
  const std::optional<int64_t> at = g.stream->ContinuationPoint();
  ASSERT_TRUE(at);
  EXPECT_NEAR(*at, 4100 * 90, 3000);  // where the last segment ended
  g.Publish(4100, *at);
  text = g.Playlist();
  EXPECT_EQ(text.find("#EXT-X-DISCONTINUITY"), std::string::npos) << text;
  EXPECT_EQ(text.find("#EXT-X-MAP:URI=\"init0.mp4\""), text.rfind("#EXT-X-MAP")) << text;
  EXPECT_NE(text.find("seg3.m4s"), std::string::npos) << "the media sequence continues: " << text;
  EXPECT_EQ(text.find("#EXT-X-ENDLIST"), std::string::npos);
  // Nobody comes back: the playlist ends after the window.
  std::this_thread::sleep_for(600ms);
  EXPECT_NE(g.Playlist().find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_FALSE(g.stream->ContinuationPoint());
}

TEST(LowLatencyReconnect, NewParametersGetADiscontinuityAndANewMap) {
  GraceStream g;
  g.Publish(4100, 0);
  const std::optional<int64_t> at = g.stream->ContinuationPoint();
  ASSERT_TRUE(at);
  PackagerOptions po;
  Packager p(g.stream->AddOutputs("src"), g.clock, po);
  TrackInfo video = testing::VideoTrack();
  video.extradata = testdata::kAvcC1080pMain;  // another resolution
  ASSERT_TRUE(p.AddTrack(video).ok());
  ASSERT_TRUE(p.AddTrack(testing::AudioTrack()).ok());
  for (const Packet& packet : testing::MakeLive(0, 4100))
    ASSERT_TRUE(
        p.Write(packet.WithTimestamps(packet.pts() + *at / 90, packet.dts() + *at / 90)).ok());
  const std::string text = g.Playlist();
  EXPECT_NE(text.find("#EXT-X-DISCONTINUITY"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"init3.mp4\""), std::string::npos)
      << text;  // the msn it starts at
}

TEST(LowLatencyReconnect, AfterTheWindowThePlaylistHasEnded) {
  GraceStream g;
  g.Publish(2100, 0);
  std::this_thread::sleep_for(600ms);
  EXPECT_NE(g.Playlist().find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_FALSE(g.stream->ContinuationPoint());
  g.Publish(2100, 0);  // a new timeline: a discontinuity
  EXPECT_NE(g.Playlist().find("#EXT-X-DISCONTINUITY"), std::string::npos);
}

// A publish after the playlist ended starts a new timeline: a reconnect within its own grace
// window continues where it ended, not where the longer publish before it did (that made a
// 22 s jump in the media timeline with no discontinuity).
TEST(LowLatencyReconnect, AReconnectContinuesTheLatestTimeline) {
  GraceStream g;
  g.Publish(8100, 0);
  std::this_thread::sleep_for(600ms);  // ended
  g.Publish(4100, 0);                  // a new timeline, shorter
  const std::optional<int64_t> at = g.stream->ContinuationPoint();
  ASSERT_TRUE(at);
  EXPECT_NEAR(*at, 4100 * 90, 3000) << "where the latest publish ended";
}

}  // namespace
}  // namespace strait::transport::hls
