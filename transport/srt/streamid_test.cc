#include "transport/srt/streamid.h"

#include <gtest/gtest.h>

#include <string>

#include "transport/srt/reject.h"

namespace strait::transport::srt {
namespace {

StreamId ParseOk(std::string_view raw) {
  StreamIdProblem problem = StreamIdProblem::kMalformed;
  auto id = ParseStreamId(raw, &problem);
  EXPECT_TRUE(id.ok()) << raw << ": " << (id.ok() ? "" : id.error().message());
  EXPECT_EQ(problem, StreamIdProblem::kNone);
  return id.ok() ? *id : StreamId{};
}

StreamIdProblem ParseFail(std::string_view raw) {
  StreamIdProblem problem = StreamIdProblem::kNone;
  auto id = ParseStreamId(raw, &problem);
  EXPECT_FALSE(id.ok()) << raw;
  if (!id.ok()) {
    EXPECT_EQ(id.error().message().rfind("streamid: ", 0), 0u) << id.error().message();
  }
  return problem;
}

TEST(StreamIdTest, AccessControlPublish) {
  StreamId id = ParseOk("#!::r=live/abc123,m=publish");
  EXPECT_EQ(id.mode, StreamMode::kPublish);
  EXPECT_EQ(id.resource, "live/abc123");
  EXPECT_EQ(id.app, "live");
  EXPECT_EQ(id.key, "abc123");
}

TEST(StreamIdTest, AccessControlAllKeysAnyOrderUnknownIgnored) {
  StreamId id = ParseOk(
      "#!::u=alice,s=sess-1,h=example.com,t=stream,x=whatever,zz=1,m=publish,"
      "r=live/K_e.y-9");
  EXPECT_EQ(id.user, "alice");
  EXPECT_EQ(id.session, "sess-1");
  EXPECT_EQ(id.host, "example.com");
  EXPECT_EQ(id.type, "stream");
  EXPECT_EQ(id.key, "K_e.y-9");
  EXPECT_EQ(id.app, "live");
}

// As the SRT access control spec says ("request (default)"), and SRS and ZLMediaKit do; the
// other dialects (publish:KEY, plain KEY) publish.
TEST(StreamIdTest, AccessControlModeDefaultsToRequest) {
  StreamId id = ParseOk("#!::r=live/KEY");
  EXPECT_EQ(id.mode, StreamMode::kRequest);
  EXPECT_EQ(id.key, "KEY");
  EXPECT_EQ(ParseOk("#!::r=live/KEY,m=publish").mode, StreamMode::kPublish);
  EXPECT_EQ(ParseOk("live/KEY").mode, StreamMode::kPublish);
}

TEST(StreamIdTest, AccessControlRequest) {
  StreamId id = ParseOk("#!::r=live/show,m=request");
  EXPECT_EQ(id.mode, StreamMode::kRequest);
  EXPECT_EQ(id.key, "show");
}

TEST(StreamIdTest, AccessControlBareKeyAndDeepApp) {
  StreamId id = ParseOk("#!::r=KEY");
  EXPECT_EQ(id.app, "");
  EXPECT_EQ(id.key, "KEY");
  id = ParseOk("#!::r=vhost/live/KEY");
  EXPECT_EQ(id.app, "vhost/live");
  EXPECT_EQ(id.key, "KEY");
}

TEST(StreamIdTest, AccessControlErrors) {
  EXPECT_EQ(ParseFail("#!::r=live/KEY,m=bidirectional"), StreamIdProblem::kBadMode);
  EXPECT_EQ(ParseFail("#!::r=live/KEY,m=play"), StreamIdProblem::kBadMode);
  EXPECT_EQ(ParseFail("#!::r=live/KEY,t=file"), StreamIdProblem::kBadType);
  EXPECT_EQ(ParseFail("#!::m=publish"), StreamIdProblem::kNoKey);
  EXPECT_EQ(ParseFail("#!::"), StreamIdProblem::kNoKey);
  EXPECT_EQ(ParseFail("#!::r="), StreamIdProblem::kNoKey);
  EXPECT_EQ(ParseFail("#!::r=live/"), StreamIdProblem::kNoKey);
  EXPECT_EQ(ParseFail("#!::r=live/KEY,garbage"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("#!::r=live/KEY,=x"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("#!::r=live/KEY,r=live/OTHER"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("#!::r=live/KEY,m=publish,m=request"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("#!::r=live/KEY,u=a,u=b"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("#!::r=live/K Y"), StreamIdProblem::kMalformed);
}

TEST(StreamIdTest, MediaMtx) {
  StreamId id = ParseOk("publish:live/KEY");
  EXPECT_EQ(id.mode, StreamMode::kPublish);
  EXPECT_EQ(id.app, "live");
  EXPECT_EQ(id.key, "KEY");
  id = ParseOk("publish:KEY");
  EXPECT_EQ(id.app, "");
  EXPECT_EQ(id.key, "KEY");
  id = ParseOk("read:live/NAME");
  EXPECT_EQ(id.mode, StreamMode::kRequest);
  EXPECT_EQ(id.key, "NAME");
  EXPECT_EQ(ParseFail("publish:"), StreamIdProblem::kNoKey);
  EXPECT_EQ(ParseFail("read:live/"), StreamIdProblem::kNoKey);
  // MediaMTX credentials: PATH:USER:PASS.
  id = ParseOk("read:live/NAME:viewer:rk_123");
  EXPECT_EQ(id.mode, StreamMode::kRequest);
  EXPECT_EQ(id.key, "NAME");
  EXPECT_EQ(id.user, "viewer");
  EXPECT_EQ(id.session, "rk_123");
  EXPECT_EQ(ParseFail("read:live/NAME:onlyuser"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("read:live/NAME:a:b:c"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("publish:live/KEY user:pass"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("publish:live/K!:user:pass"), StreamIdProblem::kMalformed);
}

TEST(StreamIdTest, Plain) {
  StreamId id = ParseOk("live/KEY");
  EXPECT_EQ(id.mode, StreamMode::kPublish);
  EXPECT_EQ(id.resource, "live/KEY");
  EXPECT_EQ(id.app, "live");
  EXPECT_EQ(id.key, "KEY");
  id = ParseOk("KEY");
  EXPECT_EQ(id.resource, "KEY");
  EXPECT_EQ(id.app, "");
  EXPECT_EQ(id.key, "KEY");
  id = ParseOk("/live/KEY");  // a URL-path habit
  EXPECT_EQ(id.app, "live");
  EXPECT_EQ(id.resource, "live/KEY");
}

TEST(StreamIdTest, UrlEncodedEveryDialect) {
  StreamId id = ParseOk("%23%21%3A%3Ar%3Dlive%2FKEY%2Cm%3Dpublish");
  EXPECT_EQ(id.mode, StreamMode::kPublish);
  EXPECT_EQ(id.app, "live");
  EXPECT_EQ(id.key, "KEY");
  id = ParseOk("%23%21%3a%3ar%3dlive%2fshow%2cm%3drequest");  // lower-case hex
  EXPECT_EQ(id.mode, StreamMode::kRequest);
  id = ParseOk("publish%3Alive%2FKEY");
  EXPECT_EQ(id.key, "KEY");
  id = ParseOk("read%3Alive%2FNAME");
  EXPECT_EQ(id.mode, StreamMode::kRequest);
  id = ParseOk("live%2FKEY");
  EXPECT_EQ(id.app, "live");
  id = ParseOk("%4BEY");
  EXPECT_EQ(id.key, "KEY");
}

TEST(StreamIdTest, DecodesOnlyOnce) {
  // "%2523" decodes to "%23", which is not a key character: not decoded a second time.
  EXPECT_EQ(ParseFail("%2523%2521%253A%253Ar%253Dlive%252FKEY"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/KEY%2541"), StreamIdProblem::kMalformed);
}

TEST(StreamIdTest, BadEscapesAndControlBytes) {
  EXPECT_EQ(ParseFail("live/KEY%"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/KEY%4"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/KEY%zz"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/KEY%00"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/KEY%0A"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail(std::string_view("live/K\0Y", 8)), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/KEY\r\n"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/KEY\x7f"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("#!::r=live/KEY\t"), StreamIdProblem::kMalformed);
}

TEST(StreamIdTest, KeyAndAppCharset) {
  EXPECT_EQ(ParseFail("live/KEY!"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/KÉY"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/KEY+1"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/.."), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/."), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("../KEY"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live//KEY"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("//KEY"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("li ve/KEY"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail("live/"), StreamIdProblem::kNoKey);
  EXPECT_EQ(ParseFail("/"), StreamIdProblem::kNoKey);
  EXPECT_EQ(ParseFail(""), StreamIdProblem::kNoKey);
  EXPECT_EQ(ParseFail("%"), StreamIdProblem::kMalformed);
}

TEST(StreamIdTest, Length) {
  const std::string key(kMaxStreamIdBytes - 5, 'k');
  StreamId id = ParseOk("live/" + key);
  EXPECT_EQ(id.key, key);
  EXPECT_EQ(ParseFail("live/" + key + "k"), StreamIdProblem::kMalformed);
  EXPECT_EQ(ParseFail(std::string(10000, 'k')), StreamIdProblem::kMalformed);
  StreamIdProblem problem;
  EXPECT_FALSE(ParseStreamId("live/KEY", &problem, 4).ok());
  EXPECT_EQ(problem, StreamIdProblem::kMalformed);
}

TEST(StreamIdTest, ErrorsNeverEchoTheKey) {
  auto id = ParseStreamId("live/secret!key");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().message().find("secret"), std::string::npos);
}

TEST(StreamIdRejectTest, RefusalCodes) {
  EXPECT_EQ(RejectCode(PublishRefusal::kNone), 0);
  EXPECT_EQ(RejectCode(PublishRefusal::kUnknownKey), 1403);
  EXPECT_EQ(RejectCode(PublishRefusal::kAlreadyLive), 1409);
  EXPECT_EQ(RejectCode(PublishRefusal::kInternal), 1500);
}

TEST(StreamIdRejectTest, ProblemCodes) {
  EXPECT_EQ(RejectCode(StreamIdProblem::kNone), 0);
  EXPECT_EQ(RejectCode(StreamIdProblem::kMalformed), 1400);
  EXPECT_EQ(RejectCode(StreamIdProblem::kNoKey), 1404);
  EXPECT_EQ(RejectCode(StreamIdProblem::kBadMode), 1405);
  EXPECT_EQ(RejectCode(StreamIdProblem::kBadType), 1415);
  EXPECT_EQ(kRejectOverload, 1402);
  EXPECT_EQ(kRejectUnimplemented, 1501);
  EXPECT_EQ(RejectName(1403), "1403 forbidden");
  EXPECT_EQ(RejectName(1234), "other");
}

TEST(StreamIdRejectTest, ParsedStreamIdsMapToCodes) {
  StreamIdProblem p;
  (void)ParseStreamId("#!::r=live/KEY,m=bidirectional", &p);
  EXPECT_EQ(RejectCode(p), kRejectBadMode);
  (void)ParseStreamId("#!::m=publish", &p);
  EXPECT_EQ(RejectCode(p), kRejectNotFound);
  (void)ParseStreamId("live/K%ZZ", &p);
  EXPECT_EQ(RejectCode(p), kRejectBadRequest);
}

}  // namespace
}  // namespace strait::transport::srt
