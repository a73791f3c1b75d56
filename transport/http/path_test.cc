#include "transport/http/path.h"

#include <gtest/gtest.h>

#include <string>

namespace strait::transport::http {
namespace {

std::string PathOf(std::string_view target) {
  Result<Target> t = NormalizeTarget(target);
  return t.ok() ? t->path : "ERROR: " + t.error().message();
}

bool Rejected(std::string_view target) {
  return !NormalizeTarget(target).ok();
}

TEST(PathTest, KeepsPlainPathsAndSplitsQuery) {
  Result<Target> t = NormalizeTarget("/live/shop1/index.m3u8?_HLS_msn=3&_HLS_part=1");
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->path, "/live/shop1/index.m3u8");
  EXPECT_EQ(t->query, "_HLS_msn=3&_HLS_part=1");
  EXPECT_EQ(PathOf("/"), "/");
  EXPECT_EQ(NormalizeTarget("/a?")->query, "");
  EXPECT_EQ(NormalizeTarget("/a?x=%2e%2e/..")->query, "x=%2e%2e/..");  // query stays raw
  EXPECT_EQ(NormalizeTarget("/a?b?c")->query, "b?c");
}

TEST(PathTest, DecodesPercentEscapes) {
  EXPECT_EQ(PathOf("/live/shop%201/a%2Eb"), "/live/shop 1/a.b");
  EXPECT_EQ(PathOf("/%7e%7E"), "/~~");
  EXPECT_EQ(PathOf("/caf%C3%A9"), "/caf\xC3\xA9");
  EXPECT_EQ(PathOf("/a%2Fb"), "/a/b");              // an encoded slash is a slash
  EXPECT_EQ(PathOf("/a+b"), "/a+b");                // '+' is only special in queries
  EXPECT_EQ(PathOf("/%252e%252e/x"), "/%2e%2e/x");  // decoded once, literal afterwards
}

TEST(PathTest, CollapsesSlashesAndDotSegments) {
  EXPECT_EQ(PathOf("//live///shop1//x.ts"), "/live/shop1/x.ts");
  EXPECT_EQ(PathOf("/live/./shop1/./x.ts"), "/live/shop1/x.ts");
  EXPECT_EQ(PathOf("/./././"), "/");
  EXPECT_EQ(PathOf("//"), "/");
  EXPECT_EQ(PathOf("/live/%2e/x"), "/live/x");
  EXPECT_EQ(PathOf("/live/"), "/live/");  // trailing slash kept
  EXPECT_EQ(PathOf("/live/."), "/live/");
  EXPECT_EQ(PathOf("/live//"), "/live/");
  EXPECT_EQ(PathOf("/a/.../b"), "/a/.../b");  // not a dot segment
  EXPECT_EQ(PathOf("/a/..b/c.."), "/a/..b/c..");
}

TEST(PathTest, RejectsDotDotInAnyEncoding) {
  for (const char* t : {"/..", "/../x", "/live/../x", "/live/..", "/live/../", "/live/%2e%2e/x",
                        "/live/%2E%2E/x", "/live/%2e./x", "/live/.%2E/x", "/live/%2e%2e",
                        "/live%2f..%2fx", "/live/%2e%2e%2fx", "/a/./../b", "//../etc/passwd"}) {
    EXPECT_TRUE(Rejected(t)) << t;
  }
}

TEST(PathTest, RejectsNulBackslashAndControlBytes) {
  for (const char* t : {"/a%00b", "/a%00", "/a\\b", "/a%5cb", "/a%5C..%5Cb", "/a%0d%0aSet-Cookie:x",
                        "/a%7f", "/a\tb", "/a?x=\r\n"}) {
    EXPECT_TRUE(Rejected(t)) << t;
  }
  EXPECT_TRUE(Rejected(std::string_view("/a\0b", 4)));
}

TEST(PathTest, RejectsInvalidEscapes) {
  for (const char* t : {"/a%", "/a%2", "/a%zz", "/a%g0", "/a%0g", "/%%30", "/a%-1"}) {
    EXPECT_TRUE(Rejected(t)) << t;
  }
  EXPECT_FALSE(PercentDecode("%4").ok());
  EXPECT_EQ(*PercentDecode("a%41%62"), "aAb");
}

TEST(PathTest, RejectsNonOriginForm) {
  for (const char* t : {"", "*", "http://example.com/live/x", "https://h/", "example.com:443",
                        "live/x", "?a=1", "/a#frag", "//host/x#f"}) {
    EXPECT_TRUE(Rejected(t)) << t;
  }
}

TEST(PathTest, CapsPathLength) {
  std::string ok = "/" + std::string(kMaxPathBytes - 1, 'a');
  EXPECT_EQ(PathOf(ok), ok);
  EXPECT_TRUE(Rejected(ok + "b"));
  // The cap is on the path only; a long query is bounded by the header limit instead.
  EXPECT_TRUE(NormalizeTarget("/a?" + std::string(4000, 'q')).ok());
}

}  // namespace
}  // namespace strait::transport::http
