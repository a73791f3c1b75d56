// PushPublisher against a real HTTP receiver on loopback (push_publisher_test_support.h): URLs,
// credentials, concurrency, the order a player needs, and objects lost while the target was down.
// The receiver decides what is in flight (held requests), so no test depends on timing; waits
// have generous bounds.
#include "transport/hls/push_publisher.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

#include "transport/hls/push_publisher_test_support.h"

namespace strait::transport::hls {
namespace {

using namespace std::chrono_literals;
using test::Receiver;

std::shared_ptr<const std::vector<uint8_t>> Body(const std::string& text) {
  return std::make_shared<const std::vector<uint8_t>>(text.begin(), text.end());
}

// A media playlist listing `uris` (with an EXT-X-MAP when `init` is set).
std::string Playlist(const std::vector<std::string>& uris, const std::string& init = "") {
  std::string out = "#EXTM3U\n";
  if (!init.empty())
    out += "#EXT-X-MAP:URI=\"" + init + "\"\n";
  for (const std::string& uri : uris)
    out += "#EXTINF:1,\n" + uri + "\n";
  return out;
}

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
  for (auto end = std::chrono::steady_clock::now() + timeout; !pred();) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class PushPublisherTest : public ::testing::Test {
 protected:
  std::shared_ptr<PushPublisher> Start(PushOptions o) {
    o.logger = logger_;
    auto p = PushPublisher::Start(std::move(o));
    EXPECT_TRUE(p.ok()) << p.error().message();
    return p.ok() ? *p : nullptr;
  }
  std::shared_ptr<PushPublisher> Start(const std::string& prefix = "/o/") {
    PushOptions o;
    o.url = receiver_.url(prefix);
    o.first_backoff = 10ms;
    o.retries = 1;
    return Start(std::move(o));
  }
  static bool Idle(PushPublisher& p) { return p.Stats().queued == 0; }

  Receiver receiver_;  // outlives the publishers
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> logger_ =
      std::make_shared<spdlog::logger>("push",
                                       std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
};

TEST(PushUrlTest, ObjectPathsJoinTheUrlPathAndTheQueryStaysLast) {
  Result<PushUrl> u = ParsePushUrl("http://h.example/q/?token=abc");
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->Join("shop1/master.m3u8"), "http://h.example/q/shop1/master.m3u8?token=abc");
  u = ParsePushUrl("https://h.example:8443/noslash");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->Join("shop1/a/seg1.m4s"), "https://h.example:8443/noslash/shop1/a/seg1.m4s");
  u = ParsePushUrl("http://h.example");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->Join("s/master.m3u8"), "http://h.example/s/master.m3u8");
}

TEST(PushUrlTest, CredentialsAreRedactedForDisplay) {
  Result<PushUrl> u = ParsePushUrl("http://user:s3cret@h.example/cred/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->display, "http://user:***@h.example/cred/");
  EXPECT_EQ(u->Join("x"), "http://user:s3cret@h.example/cred/x");
  u = ParsePushUrl("https://tok3n@h.example/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->display, "https://***@h.example/");
}

TEST(PushUrlTest, SameTargetHasOneKey) {
  auto key = [](const std::string& url) {
    Result<PushUrl> u = ParsePushUrl(url);
    EXPECT_TRUE(u.ok()) << url;
    return u.ok() ? u->key : "";
  };
  EXPECT_EQ(key("http://127.0.0.1:27081/dup"), key("http://127.0.0.1:27081/dup/"));
  EXPECT_EQ(key("http://Origin.Example:80/live/"), key("http://origin.example/live"));
  EXPECT_EQ(key("http://a:b@origin.example/live/"), key("http://origin.example/live/"));
  EXPECT_NE(key("http://origin.example/live/"), key("https://origin.example/live/"));
  EXPECT_NE(key("http://origin.example/live/"), key("http://origin.example/live2/"));
  EXPECT_NE(key("http://origin.example/live/?a=1"), key("http://origin.example/live/?a=2"));
}

TEST(PushUrlTest, MalformedUrlsAreRefusedWithoutEchoingThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://127.0.0.1/we\"ird/", "holds '\"'"},
      {"http://127.0.0.1/we\\ird/", "holds '\\'"},
      {"http://127.0.0.1/pa\nth/", "line break"},
      {"http://127.0.0.1/a path/", "a space"},
      {"ftp://127.0.0.1/", "must start with http:// or https://"},
      {"127.0.0.1/live/", "must start with http:// or https://"},
      {"http:///live/", "has no host"},
      {"http://", "has no host"},
      {"http://@/", "not a valid URL"},
      {"http://h.example/live/#frag", "#fragment"},
      {"http://s3cret@h.example:99999/", "not a valid URL"},
  };
  for (const auto& [url, expect] : cases) {
    Result<PushUrl> u = ParsePushUrl(url);
    ASSERT_FALSE(u.ok()) << url;
    EXPECT_NE(u.error().message().find(expect), std::string::npos)
        << url << " -> " << u.error().message();
    EXPECT_EQ(u.error().message().find("s3cret"), std::string::npos);
  }
  PushOptions o;
  o.url = "http://h/a b/";
  EXPECT_FALSE(PushPublisher::Start(o).ok());
}

TEST_F(PushPublisherTest, UploadsGoToThePathWithTheQueryAfterIt) {
  auto with_query = Start("/q/?token=abc");
  auto no_slash = Start("/noslash");
  with_query->OnObject("shop1/master.m3u8", Body("#EXTM3U\n"));
  no_slash->OnObject("shop1/master.m3u8", Body("#EXTM3U\n"));
  ASSERT_TRUE(Eventually([&] { return Idle(*with_query) && Idle(*no_slash); }));
  std::set<std::string> targets;
  for (const Receiver::Entry& e : receiver_.log())
    targets.insert(e.method + " " + e.target);
  EXPECT_EQ(targets, (std::set<std::string>{"PUT /q/shop1/master.m3u8?token=abc",
                                            "PUT /noslash/shop1/master.m3u8"}));
}

TEST_F(PushPublisherTest, CredentialsAreSentButNeverShown) {
  PushOptions o;
  o.url = "http://user:s3cret@127.0.0.1:" + receiver_.url().substr(17) + "cred/";
  o.retries = 0;
  auto p = Start(o);
  EXPECT_EQ(p->url(), "http://user:***@" + receiver_.url().substr(7) + "cred/");
  receiver_.Fail("fails", 500, 1);
  p->OnObject("s/a/seg1.m4s", Body("x"));
  p->OnObject("s/a/fails.m4s", Body("x"));
  ASSERT_TRUE(Eventually([&] { return Idle(*p) && p->Stats().failed == 1; }));
  const std::vector<Receiver::Entry> log = receiver_.log();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log[0].authorization, "Basic dXNlcjpzM2NyZXQ=");  // user:s3cret
  logger_->flush();
  EXPECT_NE(log_.str().find("user:***@"), std::string::npos) << log_.str();
  EXPECT_EQ(log_.str().find("s3cret"), std::string::npos) << log_.str();
}

TEST_F(PushPublisherTest, RedirectsAreNotFollowedAndSaySo) {
  auto p = Start();
  receiver_.Fail("moved", 307, 100);
  p->OnObject("s/moved/seg1.m4s", Body("x"));
  ASSERT_TRUE(Eventually([&] { return p->Stats().failed == 1; }));
  logger_->flush();
  EXPECT_NE(log_.str().find("HTTP 307 (redirects are not followed"), std::string::npos)
      << log_.str();
}

TEST_F(PushPublisherTest, SeveralRequestsAreInFlightAtOnce) {
  PushOptions o;
  o.url = receiver_.url("/o/");
  o.connections = 4;
  auto p = Start(o);
  receiver_.Hold("part");
  for (int i = 1; i <= 8; ++i)
    p->OnObject("s/a/part" + std::to_string(i) + ".m4s", Body("x"));
  EXPECT_TRUE(receiver_.WaitHeld(4)) << "four connections, each with a request";
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(receiver_.max_concurrent(), 4) << "never more than `connections`";
  receiver_.Release("part");
  ASSERT_TRUE(Eventually([&] { return Idle(*p); }));
  EXPECT_EQ(receiver_.store().size(), 8u);
  EXPECT_EQ(p->Stats().uploaded, 8u);
}

// One connection busy with a slow part while the output goes on: once it is done, the playlist
// goes next (the version whose parts are there), then each new part and its playlist in turn —
// the old queue sent every waiting part first and the playlist last.
TEST_F(PushPublisherTest, PlaylistIsNotStarvedByABacklog) {
  PushOptions o;
  o.url = receiver_.url("/o/");
  o.connections = 1;
  auto p = Start(o);
  receiver_.Hold("part1.");
  std::vector<std::string> parts;
  for (int i = 1; i <= 8; ++i) {
    parts.push_back("part" + std::to_string(i) + ".m4s");
    p->OnObject("s/a/" + parts.back(), Body("x"));
    p->OnObject("s/a/playlist.m3u8", Body(Playlist(parts)));
    if (i == 1) {
      ASSERT_TRUE(receiver_.WaitHeld(1));
    }
  }
  receiver_.Release("part1.");
  ASSERT_TRUE(Eventually([&] { return Idle(*p); }));
  std::vector<std::string> order;
  for (const Receiver::Entry& e : receiver_.log())
    order.push_back(e.path.substr(e.path.rfind('/') + 1));
  const std::vector<std::string> expected = {
      "part1.m4s", "playlist.m3u8", "part2.m4s", "playlist.m3u8", "part3.m4s", "playlist.m3u8",
      "part4.m4s", "playlist.m3u8", "part5.m4s", "playlist.m3u8", "part6.m4s", "playlist.m3u8",
      "part7.m4s", "playlist.m3u8", "part8.m4s", "playlist.m3u8"};
  EXPECT_EQ(order, expected);
  EXPECT_TRUE(receiver_.violations().empty()) << receiver_.violations()[0];
  EXPECT_EQ(receiver_.store()["/o/s/a/playlist.m3u8"], Playlist(parts));
}

// The removal of seg0 comes after the playlist that stopped listing it: while that playlist is
// held by the target, the DELETE waits, though connections are free.
TEST_F(PushPublisherTest, RemovalWaitsForThePlaylistThatNoLongerListsIt) {
  auto p = Start();
  p->OnObject("s/a/seg0.m4s", Body("0"));
  p->OnObject("s/a/playlist.m3u8", Body(Playlist({"seg0.m4s"})));
  ASSERT_TRUE(Eventually([&] { return Idle(*p); }));
  receiver_.Hold("playlist");
  p->OnObject("s/a/seg1.m4s", Body("1"));
  p->OnObject("s/a/playlist.m3u8", Body(Playlist({"seg1.m4s"})));
  p->OnObject("s/a/seg0.m4s", nullptr);
  ASSERT_TRUE(receiver_.WaitHeld(1));
  std::this_thread::sleep_for(100ms);
  for (const Receiver::Entry& e : receiver_.log())
    EXPECT_NE(e.method, "DELETE") << "before the playlist that no longer lists it";
  receiver_.Release("playlist");
  ASSERT_TRUE(Eventually([&] { return Idle(*p); }));
  EXPECT_TRUE(receiver_.violations().empty()) << receiver_.violations()[0];
  EXPECT_FALSE(receiver_.store().contains("/o/s/a/seg0.m4s"));
  EXPECT_EQ(p->Stats().deleted, 1u);
}

// The target is down while a rendition starts: its init (announced once), first parts and
// playlist are given up. When it answers again, what the output still holds goes again before
// the next playlist, and the final copy lacks nothing the playlist lists.
TEST_F(PushPublisherTest, ObjectsLostWhileTheTargetWasDownAreSentAgain) {
  auto p = Start();
  receiver_.FailAll(503);
  p->OnObject("s/a/init1.mp4", Body("init"));
  p->OnObject("s/a/part1.m4s", Body("1"));
  p->OnObject("s/a/playlist.m3u8", Body(Playlist({"part1.m4s"}, "init1.mp4")));
  p->OnObject("s/a/part2.m4s", Body("2"));
  p->OnObject("s/a/playlist.m3u8", Body(Playlist({"part1.m4s", "part2.m4s"}, "init1.mp4")));
  p->OnObject("s/a/part1.m4s", nullptr);  // left the output while the target was down
  // Given up: init, part1, part2, the playlist and the DELETE; held: all but part1 and the DELETE.
  ASSERT_TRUE(Eventually([&] { return p->Stats().failed == 5 && p->Stats().held == 3; }))
      << p->Stats().failed << " " << p->Stats().held;
  receiver_.FailAll(0);
  receiver_.Hold("part3.");  // the first success comes once the next playlist is queued too
  p->OnObject("s/a/part3.m4s", Body("3"));
  const std::string last = Playlist({"part2.m4s", "part3.m4s"}, "init1.mp4");
  p->OnObject("s/a/playlist.m3u8", Body(last));
  receiver_.Release("part3.");
  ASSERT_TRUE(Eventually([&] { return Idle(*p); }));
  std::map<std::string, std::string> store = receiver_.store();
  EXPECT_EQ(store["/o/s/a/playlist.m3u8"], last);
  EXPECT_EQ(store["/o/s/a/init1.mp4"], "init");
  EXPECT_EQ(store["/o/s/a/part2.m4s"], "2");
  EXPECT_FALSE(store.contains("/o/s/a/part1.m4s")) << "removed: not sent again";
  EXPECT_TRUE(receiver_.violations().empty()) << receiver_.violations()[0];
  const PushStats stats = p->Stats();
  EXPECT_EQ(stats.resent, 2u);
  EXPECT_EQ(stats.held, 0u);
}

// A burst of 500s for one segment while the rest goes through: the playlists go on without it
// (it was given up), and it is sent again after the next success, so it does not stay missing.
TEST_F(PushPublisherTest, SegmentLostToABurstOfErrorsIsNotMissingForGood) {
  auto p = Start();
  receiver_.Fail("seg2.", 500, 2);  // both tries
  std::vector<std::string> segs;
  for (int i = 1; i <= 4; ++i) {
    segs.push_back("seg" + std::to_string(i) + ".m4s");
    p->OnObject("s/a/" + segs.back(), Body(segs.back()));
    p->OnObject("s/a/playlist.m3u8", Body(Playlist(segs)));
    ASSERT_TRUE(Eventually([&] { return Idle(*p); }));
  }
  const std::map<std::string, std::string> store = receiver_.store();
  for (const std::string& listed :
       Receiver::Listed("/o/s/a/playlist.m3u8", store.at("/o/s/a/playlist.m3u8")))
    EXPECT_TRUE(store.contains(listed)) << listed;
  EXPECT_EQ(p->Stats().failed, 1u);
  EXPECT_EQ(p->Stats().resent, 1u);
}

// Three renditions and a master through six connections, with errors and a slow target: every
// playlist that arrives lists only objects already there, no DELETE removes a listed object, and
// the end state is the output's.
TEST_F(PushPublisherTest, OrderHoldsWithManyRequestsInFlight) {
  PushOptions o;
  o.url = receiver_.url("/o/");
  o.first_backoff = 5ms;
  o.retries = 6;
  auto p = Start(o);
  receiver_.SetDelay(1ms);
  receiver_.Fail("part7.", 500, 3);
  receiver_.Fail("playlist", 503, 5);
  const std::vector<std::string> renditions = {"a", "b", "audio"};
  std::map<std::string, std::vector<std::string>> windows;
  for (const std::string& r : renditions)
    p->OnObject("s/" + r + "/init1.mp4", Body("init"));
  for (int i = 1; i <= 30; ++i) {
    for (const std::string& r : renditions) {
      std::vector<std::string>& window = windows[r];
      window.push_back("part" + std::to_string(i) + ".m4s");
      p->OnObject("s/" + r + "/" + window.back(), Body(r + std::to_string(i)));
      std::string gone;
      if (window.size() > 4) {
        gone = window.front();
        window.erase(window.begin());
      }
      p->OnObject("s/" + r + "/playlist.m3u8", Body(Playlist(window, "init1.mp4")));
      if (!gone.empty())
        p->OnObject("s/" + r + "/" + gone, nullptr);
    }
    if (i == 1)
      p->OnObject("s/master.m3u8", Body("#EXTM3U\na/playlist.m3u8\nb/playlist.m3u8\n"));
  }
  ASSERT_TRUE(Eventually([&] { return Idle(*p); }));
  EXPECT_TRUE(receiver_.violations().empty())
      << receiver_.violations().size() << ", e.g. " << receiver_.violations()[0];
  std::set<std::string> expected = {"/o/s/master.m3u8"};
  for (const std::string& r : renditions) {
    expected.insert("/o/s/" + r + "/init1.mp4");
    expected.insert("/o/s/" + r + "/playlist.m3u8");
    for (const std::string& part : windows[r])
      expected.insert("/o/s/" + r + "/" + part);
  }
  std::set<std::string> stored;
  for (const auto& [path, body] : receiver_.store())
    stored.insert(path);
  EXPECT_EQ(stored, expected);
  EXPECT_GT(receiver_.max_concurrent(), 1);
  EXPECT_EQ(p->Stats().failed, 0u);
}

}  // namespace
}  // namespace strait::transport::hls
