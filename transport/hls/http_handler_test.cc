#include "transport/hls/http_handler.h"

#include <gtest/gtest.h>

#include "transport/hls/packager.h"
#include "transport/hls/test_media.h"

namespace strait::transport::hls {
namespace {

class HlsHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    live_ = catalog_.Add("shop1");
    catalog_.Add("idle")->AddRendition("src");
    packager_ = std::make_unique<Packager>(live_->AddRendition("src"), clock_);
    ASSERT_TRUE(packager_->AddTrack(testing::VideoTrack()).ok());
    ASSERT_TRUE(packager_->AddTrack(testing::AudioTrack()).ok());
    for (const Packet& p : testing::MakeLive(0, 4100))
      ASSERT_TRUE(packager_->Write(p).ok());
  }

  http::Response Get(const std::string& path, const std::string& method = "GET") {
    http::Request r;
    r.method = method;
    r.path = path;
    r.target = path;
    return HandleHlsRequest(catalog_, r);
  }

  static std::string Body(const http::Response& r) {
    return r.body ? std::string(r.body->begin(), r.body->end()) : "";
  }

  static std::string HeaderOf(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name)
        return v;
    }
    return "";
  }

  FakeClock clock_;
  Catalog catalog_;
  std::shared_ptr<Stream> live_;
  std::unique_ptr<Packager> packager_;
};

TEST_F(HlsHandlerTest, ServesMasterPlaylist) {
  const http::Response r = Get("/live/shop1/master.m3u8");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/vnd.apple.mpegurl");
  EXPECT_EQ(r.cache_control, "max-age=1");
  EXPECT_NE(Body(r).find("\nsrc/playlist.m3u8\n"), std::string::npos) << Body(r);
  EXPECT_EQ(r.body, live_->MasterPlaylistBody());  // shared, not copied
}

TEST_F(HlsHandlerTest, ServesMediaPlaylistShortCacheThenLongerWhenEnded) {
  http::Response r = Get("/live/shop1/src/playlist.m3u8");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/vnd.apple.mpegurl");
  EXPECT_EQ(r.cache_control, "max-age=1");
  EXPECT_NE(Body(r).find("seg1.ts"), std::string::npos);
  ASSERT_TRUE(packager_->Finish().ok());
  r = Get("/live/shop1/src/playlist.m3u8");
  EXPECT_NE(Body(r).find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ(r.cache_control, "max-age=2");  // final until a new publish starts a new one
}

TEST_F(HlsHandlerTest, ServesSegmentsImmutableWithoutCopy) {
  const http::Response r = Get("/live/shop1/src/seg1.ts");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "video/mp2t");
  EXPECT_EQ(r.cache_control, "public, max-age=31536000, immutable");
  ASSERT_NE(r.body, nullptr);
  EXPECT_EQ(r.body.get(), live_->FindRendition("src")->Segment(1).get());
  EXPECT_EQ((*r.body)[0], 0x47);
  EXPECT_EQ(Get("/live/shop1/src/seg1.ts", "HEAD").status, 200);
}

TEST_F(HlsHandlerTest, NotFound) {
  for (const char* path : {"/live/nope/master.m3u8",
                           "/live/idle/master.m3u8",
                           "/live/idle/src/playlist.m3u8",
                           "/live/shop1/720p/playlist.m3u8",
                           "/live/shop1/src/seg99.ts",
                           "/live/shop1/src/seg12abc.ts",
                           "/live/shop1/src/seg01.ts",
                           "/live/shop1/src/seg-1.ts",
                           "/live/shop1/src/seg.ts",
                           "/live/shop1/src/seg+1.ts",
                           "/live/shop1/src/seg99999999999999999999999.ts",
                           "/live/shop1/src/seg18446744073709551616.ts",
                           "/live/shop1/src/other.ts",
                           "/live/shop1/index.m3u8",
                           "/live/shop1",
                           "/live/",
                           "/live//master.m3u8",
                           "/live/shop1/src/x/seg1.ts",
                           "/other/shop1/master.m3u8",
                           "/live/shop1//playlist.m3u8"}) {
    const http::Response r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_FALSE(Body(r).empty()) << path;
  }
}

TEST_F(HlsHandlerTest, MethodNotAllowed) {
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    const http::Response r = Get("/live/shop1/src/seg1.ts", method);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(HeaderOf(r, "Allow"), "GET, HEAD");
  }
  EXPECT_EQ(Get("/live/shop1/master.m3u8", "POST").status, 405);
}

TEST_F(HlsHandlerTest, HandlerRepliesOnce) {
  http::Handler h = MakeHlsHandler(catalog_);
  http::Request req;
  req.method = "GET";
  req.path = "/live/shop1/master.m3u8";
  int calls = 0;
  h(req, [&](http::Response r) {
    ++calls;
    EXPECT_EQ(r.status, 200);
  });
  EXPECT_EQ(calls, 1);
}

TEST_F(HlsHandlerTest, ClearedStreamIsNotLive) {
  live_->Clear();
  EXPECT_EQ(Get("/live/shop1/master.m3u8").status, 404);
  EXPECT_EQ(Get("/live/shop1/src/playlist.m3u8").status, 404);
  EXPECT_EQ(Get("/live/shop1/src/seg0.ts").status, 404);
}

// What a CDN relies on: validators (ETag → 304), byte ranges on segments, short-lived 404s.
TEST_F(HlsHandlerTest, EtagsRangesAndShortLived404s) {
  auto get = [&](const std::string& path, std::vector<std::pair<std::string, std::string>> h) {
    http::Request r;
    r.method = "GET";
    r.path = r.target = path;
    r.headers = std::move(h);
    return HandleHlsRequest(catalog_, r);
  };
  const std::string seg = "/live/shop1/src/seg0.ts";
  const http::Response full = Get(seg);
  ASSERT_EQ(full.status, 200);
  const std::string etag = HeaderOf(full, "ETag");
  EXPECT_EQ(etag, "\"seg0.ts-" + std::to_string(full.body->size()) + "\"");
  EXPECT_EQ(HeaderOf(full, "Accept-Ranges"), "bytes");
  EXPECT_EQ(get(seg, {{"If-None-Match", "\"other\", W/" + etag}}).status, 304);
  EXPECT_EQ(get(seg, {{"If-None-Match", "\"other\""}}).status, 200);

  const std::string bytes = Body(full);
  http::Response part = get(seg, {{"Range", "bytes=188-375"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(HeaderOf(part, "Content-Range"), "bytes 188-375/" + std::to_string(bytes.size()));
  EXPECT_EQ(Body(part), bytes.substr(188, 188));
  part = get(seg, {{"Range", "bytes=-188"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(Body(part), bytes.substr(bytes.size() - 188));
  part = get(seg, {{"Range", "bytes=376-"}});
  EXPECT_EQ(Body(part), bytes.substr(376));
  part = get(seg, {{"Range", "bytes=" + std::to_string(bytes.size()) + "-"}});
  EXPECT_EQ(part.status, 416);
  EXPECT_EQ(HeaderOf(part, "Content-Range"), "bytes */" + std::to_string(bytes.size()));
  EXPECT_EQ(get(seg, {{"Range", "bytes=0-1,5-9"}}).status, 200);  // several ranges: all of it
  EXPECT_EQ(get(seg, {{"Range", "bytes=9-5"}}).status, 200);      // malformed: ignored

  // Playlists: a hash of their bytes, changing with them; no ranges.
  const http::Response pl = Get("/live/shop1/src/playlist.m3u8");
  const std::string pl_tag = HeaderOf(pl, "ETag");
  EXPECT_EQ(pl_tag.size(), 18u) << pl_tag;
  EXPECT_EQ(get("/live/shop1/src/playlist.m3u8", {{"If-None-Match", pl_tag}}).status, 304);
  EXPECT_EQ(get("/live/shop1/src/playlist.m3u8", {{"Range", "bytes=0-3"}}).status, 200);
  for (const Packet& p : testing::MakeLive(4100, 8200))
    ASSERT_TRUE(packager_->Write(p).ok());
  EXPECT_NE(HeaderOf(Get("/live/shop1/src/playlist.m3u8"), "ETag"), pl_tag);

  // gzip for clients that take it, with its own tag; not for segments.
  const http::Response gz = get("/live/shop1/src/playlist.m3u8", {{"Accept-Encoding", "br, gzip"}});
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(HeaderOf(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderOf(gz, "Vary"), "Accept-Encoding");
  const std::string gz_tag = HeaderOf(gz, "ETag");
  EXPECT_NE(gz_tag, HeaderOf(Get("/live/shop1/src/playlist.m3u8"), "ETag"));
  EXPECT_EQ(Body(gz).substr(0, 2), "\x1f\x8b");
  EXPECT_LT(gz.body->size(), Get("/live/shop1/src/playlist.m3u8").body->size());
  EXPECT_EQ(
      get("/live/shop1/src/playlist.m3u8", {{"Accept-Encoding", "gzip"}, {"If-None-Match", gz_tag}})
          .status,
      304);
  EXPECT_EQ(HeaderOf(get("/live/shop1/src/playlist.m3u8", {{"Accept-Encoding", "gzip;q=0"}}),
                     "Content-Encoding"),
            "");
  EXPECT_EQ(HeaderOf(get(seg, {{"Accept-Encoding", "gzip"}}), "Content-Encoding"), "");

  const http::Response missing = Get("/live/shop1/src/seg999.ts");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.cache_control, "max-age=1");
}

}  // namespace
}  // namespace strait::transport::hls
